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

  // Type-ahead from the server (web/ui/window_lookup.py): data-lookup="url" data-target="select-id";
  // as the clerk types, the list is refilled with the first page the database finds (names,
  // codes, pinyin, initials); the chosen option stays.
  function bindLookup(input) {
    var select = document.getElementById(input.getAttribute("data-target"));
    if (!select || !window.fetch) { return; }
    var status = document.getElementById(select.id + "-status");
    var url = input.getAttribute("data-lookup");
    var timer = null, asked = 0;
    function fill(data) {
      var keep = select.value, keptLabel = select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "";
      while (select.options.length) { select.remove(0); }
      var seen = false;
      data.rows.forEach(function (r) {
        if (r.value === keep) { seen = true; }
        select.add(new Option(r.label, r.value, false, r.value === keep));
      });
      if (keep && !seen) { select.add(new Option(keptLabel, keep, false, true), 0); }
      if (!data.rows.length) {
        var none = new Option("没有匹配的记录", "");
        none.disabled = true;
        select.add(none);
      }
      if (status) {
        status.textContent = data.total > data.rows.length
          ? "共 " + data.total + " 项，显示前 " + data.rows.length + " 项；继续输入可缩小范围"
          : "共 " + data.total + " 项";
      }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        var sep = url.indexOf("?") === -1 ? "?" : "&";
        fetch(url + sep + "q=" + encodeURIComponent(input.value), {credentials: "same-origin",
                                                                   headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data && mine === asked) { fill(data); } })
          .catch(function () { /* the 搜索 button still works */ });
      }, 200);
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
    Array.prototype.forEach.call(document.querySelectorAll("[data-lookup]"), bindLookup);
    Array.prototype.forEach.call(document.querySelectorAll("[data-sha256-target]"), bindHash);
    Array.prototype.forEach.call(document.querySelectorAll("[data-toggle-b]"), bindPost);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
}());
