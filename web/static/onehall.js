/* onehall: small progressive enhancements; every page works without this script. */
(function () {
  "use strict";

  function norm(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }

  // Filter a <select>'s options as you type: data-filter="select-id"; options carry data-keys
  // (name, full pinyin, initials), so "zjg" finds 张建国.
  function bindFilter(input) {
    var select = document.getElementById(input.getAttribute("data-filter"));
    if (!select) { return; }
    input.addEventListener("input", function () {
      var q = norm(input.value);
      Array.prototype.forEach.call(select.options, function (opt) {
        var keys = norm(opt.getAttribute("data-keys") || "") + "|" + norm(opt.textContent);
        opt.hidden = q !== "" && keys.indexOf(q) === -1 && !opt.selected;
      });
    });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // SHA-256 of a chosen file, computed in the browser (SubtleCrypto): data-sha256-target="input-id".
  function bindHash(input) {
    var target = document.getElementById(input.getAttribute("data-sha256-target"));
    if (!target || !window.crypto || !window.crypto.subtle) { return; }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      target.value = "";
      target.placeholder = "正在计算……";
      file.arrayBuffer().then(function (buf) {
        return window.crypto.subtle.digest("SHA-256", buf);
      }).then(function (digest) {
        target.value = hex(digest);
        target.placeholder = "";
      }).catch(function () { target.placeholder = "无法在浏览器中计算，将在提交后由服务器计算"; });
    });
  }

  // Show the "backs" field only for a B post.
  function bindPost(select) {
    var field = document.getElementById(select.getAttribute("data-toggle-b"));
    if (!field) { return; }
    function sync() { field.style.display = select.value === "B" ? "" : "none"; }
    select.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter]"), bindFilter);
    Array.prototype.forEach.call(document.querySelectorAll("[data-sha256-target]"), bindHash);
    Array.prototype.forEach.call(document.querySelectorAll("[data-toggle-b]"), bindPost);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
}());
