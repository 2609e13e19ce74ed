-- The body of a RingCentral telephony-session notification (the shape of the real payloads in
-- ../shared/data/ringcentral), for one session id on the line named `label`.
return function(session, label)
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ")
  return string.format([[{"uuid":"%s","event":"/restapi/v1.0/account/~/telephony/sessions",]] ..
    [["timestamp":"%s","subscriptionId":"bench","body":{"sequence":1,"sessionId":"%s",]] ..
    [["telephonySessionId":"%s","eventTime":"%s","parties":[{"id":"p-%s",]] ..
    [["direction":"Inbound","to":{"phoneNumber":"+18885333002","name":"%s"},]] ..
    [["from":{"phoneNumber":"+14155552671","name":"Bench Caller"},]] ..
    [["status":{"code":"Setup"}}]}}]], session, at, session, session, at, session, label)
end
