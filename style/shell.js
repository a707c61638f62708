// Converge's static first paint (index.html's #shell) is the default view
// as a first visit sees it. Runs before the body is parsed, so the shell is
// never painted in a state the app would then change at once:
//   - a share link (?s=), an embed (?embed) or present mode (?present)
//     opens another view, so the shell stays hidden and the app paints first;
//   - a returning visitor sees the introduction folded, as the app shows it.
// A file, not an inline script: the strict CSP allows only trunk's loader
// inline (see .ci/csp-header.mjs).
(function () {
  var root = document.documentElement.classList;
  if (/[?&](s|embed|present)(=|&|$)/.test(location.search)) root.add('shell-off');
  try {
    if (window.localStorage.getItem('converge.intro-seen') !== null) root.add('intro-seen');
  } catch (e) {
    // Sandboxed frames without allow-same-origin have no storage: the app
    // then treats every visit as a first one, and so does the shell.
  }
})();
