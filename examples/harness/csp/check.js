// The page's title says whether the engine ran: "ready" or "failed: why".
WSBeat.ready.then(
  function () { document.title = 'ready'; },
  function (e) { document.title = 'failed: ' + e.message; }
);
