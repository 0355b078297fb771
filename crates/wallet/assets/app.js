// The one script of the phone's pages, and it is optional: on the agents page, the matters
// only apply to 精准授权, so they are greyed out for 全业务授权.
(function () {
  var mode = document.getElementById("agent-mode");
  var matters = document.getElementById("matters");
  if (!mode || !matters) {
    return;
  }
  function sync() {
    matters.style.opacity = mode.value === "precise" ? "1" : "0.5";
  }
  mode.addEventListener("change", sync);
  sync();
})();
