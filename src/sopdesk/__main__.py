from sopdesk.cli import main

main()
