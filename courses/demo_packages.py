"""Sample courseware packages, made here for the demo (seed_demo) and the tests.

Licence: the packages these functions write (manifests, pages, scripts, the H5P library
"H5P.CrisisCheck") are this project's own work, under the project's own licence; they copy
nothing from any authoring tool or H5P library.

- `scorm12()`: a SCORM 1.2 package of three pages; the last one reports "completed" (or, with
  `passed=True`, "passed" with a score);
- `scorm2004()`: the same content as a SCORM 2004 4th Edition package;
- `h5p()`: an H5P package with one tiny library whose button reports xAPI "completed";
- `zipped(files)`: any zip (for the bad packages), with optional links.

The page keeps its place (lesson_location and suspend_data) and reports its session time on each
page turn, then commits, as authoring tools' packages do: a learner who leaves half way resumes
on the page where she left off.
"""

import io
import json
import stat
import zipfile

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="crisis-scorm12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>{title}</title>
      <item identifier="item1" identifierref="res1"><title>识别危机信号</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="{launch}">
      <file href="index.html"/><file href="sco.js"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="crisis-scorm2004" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>{title}</title>
      <item identifier="item1" identifierref="res1"><title>识别危机信号</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="{launch}">
      <file href="index.html"/><file href="sco.js"/>
    </resource>
  </resources>
</manifest>
"""

INDEX = """<!DOCTYPE html>
<html lang="zh-hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><script src="sco.js"></script>
<style>body{{font-family:sans-serif;margin:1.5rem}} button{{font-size:1.1rem;padding:.5rem 1rem}}</style>
</head><body data-passed="{passed}">
<h2>{title}</h2>
<p id="page"></p>
<button id="next" type="button">下一页</button>
</body></html>
"""

PAGES = ["第1页：学生心理危机的常见信号。", "第2页：发现信号后，陪伴并立即报告。", "第3页：本课完成，感谢学习。"]

# One script for both SCORM versions: it finds whichever API the run-time offers.
SCO_JS = """(function () {
  var pages = %(pages)s;
  function find(name) {
    var w = window;
    for (var i = 0; i < 10 && w; i++) {
      if (w[name]) { return w[name]; }
      if (w === w.parent) { break; }
      w = w.parent;
    }
    return null;
  }
  var api12 = find("API"), api04 = api12 ? null : find("API_1484_11");
  var started = Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function get(k12, k04) { return api12 ? api12.LMSGetValue(k12) : api04.GetValue(k04); }
  function set(k12, k04, v) { return api12 ? api12.LMSSetValue(k12, v) : api04.SetValue(k04, v); }
  function sessionTime() {
    var s = Math.round((Date.now() - started) / 1000);
    if (api04) { return "PT" + s + "S"; }
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) %% 60) + ":" + pad(s %% 60);
  }
  function commit() {
    set("cmi.core.session_time", "cmi.session_time", sessionTime());
    return api12 ? api12.LMSCommit("") : api04.Commit("");
  }
  window.addEventListener("load", function () {
    if (api12) { api12.LMSInitialize(""); } else if (api04) { api04.Initialize(""); }
    var page = parseInt(get("cmi.core.lesson_location", "cmi.location") || "1", 10) || 1;
    var passed = document.body.getAttribute("data-passed") === "1";
    var el = document.getElementById("page"), next = document.getElementById("next");
    function show() {
      el.textContent = pages[page - 1];
      el.setAttribute("data-page", String(page));
      next.hidden = page >= pages.length;
    }
    function reach() {
      set("cmi.core.lesson_location", "cmi.location", String(page));
      set("cmi.suspend_data", "cmi.suspend_data", "seen=" + page);
      if (page >= pages.length) {
        if (api12) {
          set("cmi.core.score.raw", "", "90");
          set("cmi.core.lesson_status", "", passed ? "passed" : "completed");
        } else {
          set("", "cmi.score.scaled", "0.9");
          set("", "cmi.score.raw", "90");
          set("", "cmi.completion_status", "completed");
          if (passed) { set("", "cmi.success_status", "passed"); }
        }
      } else if (api12) {
        set("cmi.core.lesson_status", "", "incomplete");
        set("cmi.core.exit", "", "suspend");
      } else {
        set("", "cmi.completion_status", "incomplete");
        set("", "cmi.exit", "suspend");
      }
      commit();
      document.body.setAttribute("data-committed", String(page));
    }
    next.addEventListener("click", function () { page += 1; show(); reach(); });
    show();
    reach();
  });
})();
"""


def zipped(files: dict[str, bytes | str], *, links: dict[str, str] | None = None,
           compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of `files` (path: content), and of `links` (path: target) stored as symlinks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            # A fixed time: the same files make the same bytes (and so the same package).
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, content.encode() if isinstance(content, str) else content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def scorm_files(*, version: str = "1.2", title: str = "危机识别互动课件", launch: str = "index.html",
                passed: bool = False) -> dict[str, str]:
    """The files of a SCORM package (1.2, or a 2004 edition: "2004 4th Edition")."""
    template = MANIFEST_12 if version == "1.2" else MANIFEST_2004
    return {
        "imsmanifest.xml": template.format(version=version, title=title, launch=launch),
        "index.html": INDEX.format(title=title, passed="1" if passed else "0"),
        "sco.js": SCO_JS % {"pages": json.dumps(PAGES, ensure_ascii=False)},
    }


def scorm12(**kwargs) -> bytes:
    return zipped(scorm_files(version="1.2", **kwargs))


def scorm2004(**kwargs) -> bytes:
    kwargs.setdefault("title", "危机识别互动课件（SCORM 2004）")
    return zipped(scorm_files(version="2004 4th Edition", **kwargs))


H5P_LIBRARY_JS = """var H5P = H5P || {};
H5P.CrisisCheck = (function () {
  function CrisisCheck(params, contentId) {
    H5P.EventDispatcher.call(this);
    this.params = params;
    this.contentId = contentId;
  }
  CrisisCheck.prototype = Object.create(H5P.EventDispatcher.prototype);
  CrisisCheck.prototype.constructor = CrisisCheck;
  CrisisCheck.prototype.attach = function ($container) {
    var self = this;
    var root = $container.get(0);
    var p = document.createElement("p");
    p.textContent = self.params.question;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "crisis-check-done";
    button.textContent = self.params.answer;
    button.addEventListener("click", function () {
      self.triggerXAPIScored(1, 1, "completed");
      button.disabled = true;
    });
    root.appendChild(p);
    root.appendChild(button);
  };
  return CrisisCheck;
})();
"""


def h5p(title: str = "危机信号自查（H5P）") -> bytes:
    """An .h5p package with its own library (H5P.CrisisCheck 1.0)."""
    return zipped({
        "h5p.json": json.dumps({
            "title": title, "language": "zh-hans", "mainLibrary": "H5P.CrisisCheck",
            "embedTypes": ["div"], "license": "U",
            "preloadedDependencies": [{"machineName": "H5P.CrisisCheck", "majorVersion": 1,
                                       "minorVersion": 0}],
        }, ensure_ascii=False),
        "content/content.json": json.dumps({"question": "学生流露轻生念头时，应当陪伴并立即报告。",
                                            "answer": "我已了解"}, ensure_ascii=False),
        "H5P.CrisisCheck-1.0/library.json": json.dumps({
            "title": "Crisis check", "machineName": "H5P.CrisisCheck", "majorVersion": 1,
            "minorVersion": 0, "patchVersion": 0, "runnable": 1,
            "preloadedJs": [{"path": "crisis-check.js"}],
        }),
        "H5P.CrisisCheck-1.0/crisis-check.js": H5P_LIBRARY_JS,
    })
