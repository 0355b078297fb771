// The one script of the phone's pages, and it is optional: every form works without it.
// - On the agents page, the matters only apply to 精准授权, so they are greyed out for
//   全业务授权.
// - On 添加印模, each slider shows its value as it moves.
(function () {
  var mode = document.getElementById("agent-mode");
  var matters = document.getElementById("matters");
  if (mode && matters) {
    var sync = function () {
      matters.style.opacity = mode.value === "precise" ? "1" : "0.5";
    };
    mode.addEventListener("change", sync);
    sync();
  }
  var sliders = document.querySelectorAll("input.app-slider");
  Array.prototype.forEach.call(sliders, function (slider) {
    var shown = document.getElementById(slider.id + "-value");
    if (!shown) {
      return;
    }
    slider.addEventListener("input", function () {
      shown.textContent = slider.value;
    });
  });
})();
