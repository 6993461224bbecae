// LTI Dynamic Registration: tell the platform's window that the registration is done.
(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");
