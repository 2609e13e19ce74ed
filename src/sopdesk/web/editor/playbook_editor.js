// The playbook draft's editor: CodeMirror 6 over the page's <textarea>, bundled by esbuild at
// `make setup` from the npm registry (never a CDN, never committed). The textarea stays the
// form's field and htmx's trigger: every change is written back to it and announced with an
// `input` event, so the server's check (the linter and the test cases) runs as the author
// types and its findings come back as the page's #draft-check, which this turns into marks
// at their lines. The JSON Schema gives completion of keys and values (with their
// descriptions). Not its hover: that renders code through a highlighter that writes inline
// style attributes, which the CSP blocks.
//
// The editor lives in a shadow root: CodeMirror then styles itself through a constructed
// stylesheet (adoptedStyleSheets), which the desk's strict CSP (style-src 'self', no inline
// <style>) allows, where in the document it would insert <style> elements the CSP blocks.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { autocompletion } from "@codemirror/autocomplete";
import { yaml, yamlLanguage } from "@codemirror/lang-yaml";
import { yamlCompletion } from "codemirror-json-schema/yaml";
import { stateExtensions } from "codemirror-json-schema";

function findingsIn(view, check) {
  const doc = view.state.doc;
  const found = [];
  for (const item of check.querySelectorAll("[data-line]")) {
    const number = Math.min(Math.max(parseInt(item.dataset.line, 10) || 1, 1), doc.lines);
    const line = doc.line(number);
    found.push({ from: line.from, to: line.to, severity: "error", message: item.dataset.message });
  }
  return found;
}

function goToLine(view, number) {
  const line = view.state.doc.line(Math.min(Math.max(number, 1), view.state.doc.lines));
  view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
  view.focus();
}

// The page's look, inside the shadow root where the desk's stylesheets do not reach.
const theme = EditorView.theme({
  "&": { minHeight: "28rem", maxHeight: "75vh", border: "1px solid #c9ced6", borderRadius: "4px",
    fontSize: "0.85rem", background: "#fff" },
  "&.cm-focused": { outline: "2px solid #1f5fbf", outlineOffset: "1px" },
  ".cm-scroller": { fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace' },
  ".cm-tooltip": { fontFamily: "system-ui, sans-serif", maxWidth: "32rem" },
});

async function loadSchema(url) {
  try {
    const answer = await fetch(url, { credentials: "same-origin" });
    return answer.ok ? await answer.json() : null;
  } catch {
    return null; // completion is a help: the editor works without it
  }
}

async function mount(textarea) {
  const schema = await loadSchema(textarea.dataset.schema);
  const readOnly = textarea.readOnly;
  const form = textarea.form;
  const sync = EditorView.updateListener.of((update) => {
    if (!update.docChanged) return;
    textarea.value = update.state.doc.toString();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  });
  const save = keymap.of([{ key: "Mod-s", preventDefault: true, run: () => { form?.requestSubmit(); return true; } }]);
  const extensions = [
    basicSetup,
    yaml(),
    lintGutter(),
    keymap.of([indentWithTab]),
    save,
    sync,
    EditorState.readOnly.of(readOnly),
    EditorView.contentAttributes.of({ "aria-label": "Playbook YAML", "aria-describedby": "draft-check" }),
  ];
  if (schema) {
    extensions.push(
      // Ctrl+Space asks; not on every keystroke: the schema's completion reads the whole
      // document, a quarter of a second on a 2,000-line playbook, and the check must not wait.
      autocompletion({ activateOnTyping: false }),
      stateExtensions(schema),
      yamlLanguage.data.of({ autocomplete: yamlCompletion() }),
    );
  }
  extensions.push(theme);
  const host = document.createElement("div");
  host.className = "pb-editor";
  host.dataset.editorFor = textarea.id;
  const root = host.attachShadow({ mode: "open" });
  textarea.hidden = true;
  textarea.after(host);
  const view = new EditorView({ doc: textarea.value, extensions, root, parent: root });
  const mark = () => {
    const check = document.getElementById("draft-check");
    if (check) view.dispatch(setDiagnostics(view.state, findingsIn(view, check)));
  };
  mark();
  document.body.addEventListener("htmx:afterSettle", mark);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-goto-line]");
    if (!link) return;
    event.preventDefault();
    goToLine(view, parseInt(link.dataset.gotoLine, 10));
  });
  window.sopdeskPlaybookEditor = view; // for the browser tests and the console
}

const textarea = document.getElementById("draft-content");
if (textarea) mount(textarea);
