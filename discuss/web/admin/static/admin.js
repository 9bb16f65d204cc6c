// discuss moderation: select-all and keyboard shortcuts. The pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var form = document.getElementById("queue-form");
    if (!form) return;
    var items = Array.prototype.slice.call(form.querySelectorAll("[data-item]"));
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]'));
    var all = document.getElementById("select-all");

    if (all) {
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
      boxes.forEach(function (box) {
        box.addEventListener("change", function () {
          var checked = boxes.filter(function (b) { return b.checked; }).length;
          all.checked = checked === boxes.length;
          all.indeterminate = checked > 0 && checked < boxes.length;
        });
      });
    }

    var current = -1;
    function focusItem(index) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, index));
      if (current >= 0 && items[current]) items[current].classList.remove("is-current");
      current = index;
      items[current].classList.add("is-current");
      items[current].focus({ preventScroll: false });
      items[current].scrollIntoView({ block: "nearest" });
    }

    var keys = { a: "approve", r: "reject", s: "spam", h: "ham", d: "delete", u: "restore" };
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select") return;
      var key = event.key;
      if (key === "j") { focusItem(current + 1); event.preventDefault(); return; }
      if (key === "k") { focusItem(current - 1); event.preventDefault(); return; }
      if (current < 0) return;
      var item = items[current];
      if (key === "x") {
        var box = item.querySelector('input[name="ids"]');
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change"));
        event.preventDefault();
      } else if (key === "o") {
        var open = item.querySelector("[data-open]");
        if (open) { window.location.href = open.href; event.preventDefault(); }
      } else if (keys[key]) {
        var button = item.querySelector('button[data-action="' + keys[key] + '"]');
        if (button) { button.click(); event.preventDefault(); }
      }
    });
  });
})();
