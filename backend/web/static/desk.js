/* The front desk form (templates/desk.html): caller lookup on the phone's blur, live triage while the
   description is typed, Ctrl+Enter saves, one submit only. The form works without this script. */
(function () {
  "use strict";
  var form = document.getElementById("desk");
  if (!form) { return; }
  var d = form.dataset;
  var field = function (name) { return form.elements.namedItem(name); };
  var phone = field("phone"), description = field("description");
  var category = field("category"), severity = field("severity");
  var categoryAuto = field("category_auto"), severityAuto = field("severity_auto");
  var chosen = document.getElementById("supplement-chosen");
  var callerBox = document.getElementById("caller"), triageBox = document.getElementById("triage");
  var emergency = document.getElementById("emergency"), override = document.getElementById("override");
  var saving = false, lastPhone = null, lastText = null, timer = null, repeats = [];

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // A message beside a field (the same place the server puts its own); "" removes it.
  function fieldError(name, message) {
    var input = field(name), id = "error-" + name, span = document.getElementById(id);
    if (!message) {
      if (span) { span.remove(); }
      input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby");
      return;
    }
    if (!span) { span = el("span", "field-error"); span.id = id; input.insertAdjacentElement("afterend", span); }
    span.textContent = message;
    input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", id);
  }
  form.addEventListener("input", function (e) {
    var target = e.target;
    if (target.name && target.getAttribute("aria-invalid") === "true" && target.name !== "files") { fieldError(target.name, ""); }
  });

  // ---- the caller -------------------------------------------------------------------------------
  function choice(value, label, checked) {
    var row = el("label", "check");
    var radio = el("input");
    radio.type = "radio"; radio.name = "supplement_choice"; radio.value = value; radio.checked = checked;
    radio.addEventListener("change", function () { chosen.value = value; });
    row.appendChild(radio); row.appendChild(document.createTextNode(" " + label));
    return row;
  }
  function showRepeat() {
    var line = callerBox.querySelector(".repeat");
    if (!line) { return; }
    var code = category.value || categoryAuto.value;
    var match = repeats.filter(function (r) { return r.category === code; })[0];
    line.textContent = match ? match.category_name + " · " + match.text : "";
    line.hidden = !match;
  }
  function showCaller(data) {
    callerBox.textContent = "";
    repeats = data.repeats || [];
    var repeat = el("p", "repeat"); repeat.hidden = true; callerBox.appendChild(repeat);
    if (!data.cases.length) {
      callerBox.appendChild(el("p", "muted", d.tNoCases));
      chosen.value = "";
      return;
    }
    callerBox.appendChild(el("h3", "", d.tEarlier + " (" + data.phone + ")"));
    var list = el("ul", "earlier");
    var open = [];
    data.cases.forEach(function (c) {
      var item = el("li", c.open ? "open" : "");
      var link = el("a", "", c.number); link.href = c.url; link.target = "_blank"; link.rel = "noopener";
      item.appendChild(link);
      item.appendChild(el("span", "muted", " " + c.received + " · " + c.category_name + " · "));
      item.appendChild(el("span", c.open ? "badge late" : "badge", c.status_name));
      item.appendChild(el("div", "summary", c.summary));
      list.appendChild(item);
      if (c.open) { open.push(c); }
    });
    callerBox.appendChild(list);
    if (open.length) {
      var box = el("fieldset", "choice supplement");
      var keep = open.some(function (c) { return c.number === chosen.value; });
      if (!keep) { chosen.value = ""; }
      box.appendChild(choice("", d.tNewCase, !keep));
      open.forEach(function (c) {
        box.appendChild(choice(c.number, fill(d.tAddTo, { number: c.number }), chosen.value === c.number));
      });
      callerBox.appendChild(box);
    } else {
      chosen.value = "";
    }
    showRepeat();
  }
  function lookUp() {
    var value = phone.value.trim();
    if (value === lastPhone) { return; }
    lastPhone = value;
    if (!value) { callerBox.textContent = ""; chosen.value = ""; repeats = []; return; }
    callerBox.textContent = d.tLooking;
    var url = d.callers + "?phone=" + encodeURIComponent(value) + "&locale=" + encodeURIComponent(field("locale").value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (value !== lastPhone) { return; }
        callerBox.textContent = "";
        if (!answer.ok) { fieldError("phone", answer.body.message || d.tFailed); return; }
        fieldError("phone", "");
        showCaller(answer.body);
      })
      .catch(function () { callerBox.textContent = d.tFailed; });
  }
  phone.addEventListener("blur", lookUp);
  phone.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) { lookUp(); } });

  // ---- live triage ------------------------------------------------------------------------------
  function preselect(select, auto, value) {
    // The operator's own choice stays; otherwise the select follows triage.
    if (select.value === "" || select.value === auto.value) { select.value = value; }
    auto.value = value;
  }
  var RANK = { general: 1, important: 2, major: 3 };
  function showOverride() {
    var texts = [];
    if (category.value && category.value !== categoryAuto.value) { texts.push(d.tOverride); }
    if (severity.value && RANK[severity.value] < (RANK[severityAuto.value] || 0)) {
      var option = severity.querySelector("option[value='" + severityAuto.value + "']");
      texts.push(fill(d.tLower, { severity: option ? option.textContent : severityAuto.value }));
    }
    override.hidden = !texts.length;
    override.textContent = texts.join(" ");
  }
  function showTriage(t) {
    triageBox.textContent = "";
    triageBox.appendChild(el("p", "", fill(d.tTriage, { category: t.category_name, kind: t.kind_name, severity: t.severity_name })));
    if (t.evidence.length) { triageBox.appendChild(el("p", "muted", fill(d.tWords, { words: t.evidence.join("、") }))); }
    if (t.safety_question) { triageBox.appendChild(el("p", "ask", fill(d.tAsk, { question: t.safety_question }))); }
    emergency.hidden = !t.emergency;
    emergency.textContent = t.emergency ? fill(d.tEmergency, { trigger: t.trigger_names.join("、") || t.severity_name }) : "";
    preselect(category, categoryAuto, t.category);
    preselect(severity, severityAuto, t.severity);
    showOverride();
    showRepeat();
  }
  function classify() {
    var text = description.value.trim();
    if (text === lastText) { return; }
    lastText = text;
    if (!text) { triageBox.textContent = ""; emergency.hidden = true; return; }
    var body = new URLSearchParams();
    body.set("csrf_token", field("csrf_token").value);
    body.set("text", text);
    fetch(d.triage, { method: "POST", credentials: "same-origin", body: body, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) { if (t && text === lastText) { showTriage(t); } })
      .catch(function () { /* triage is advice: the form works without it */ });
  }
  description.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(classify, 350); });
  description.addEventListener("blur", classify);
  category.addEventListener("change", function () { showOverride(); showRepeat(); });
  severity.addEventListener("change", showOverride);

  // ---- files, saving ----------------------------------------------------------------------------
  var files = field("files");
  files.addEventListener("change", function () {
    var list = Array.prototype.slice.call(files.files || []);
    var total = list.reduce(function (sum, f) { return sum + f.size; }, 0);
    var problem = list.length > Number(d.maxFiles) ? d.tTooMany : total > Number(d.maxBytes) ? d.tTooLarge : "";
    files.setCustomValidity(problem);  // the browser will not send them: a too large request would lose the form
    fieldError("files", problem);
  });
  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.isComposing) { return; }
    if (e.ctrlKey || e.metaKey) { e.preventDefault(); form.requestSubmit(); return; }
    // Enter in a one-line field goes on to the next field instead of saving half a case.
    var target = e.target;
    if (target.tagName === "INPUT" && (target.type === "text" || target.type === "tel")) {
      e.preventDefault();
      var items = Array.prototype.filter.call(form.elements, function (x) {
        return !x.disabled && x.type !== "hidden" && x.offsetParent !== null;
      });
      var next = items[items.indexOf(target) + 1];
      if (next) { next.focus(); }
    }
  });
  form.addEventListener("submit", function (e) {
    if (saving) { e.preventDefault(); return; }
    saving = true;
    document.getElementById("save").disabled = true;
  });
  window.addEventListener("pageshow", function () { saving = false; document.getElementById("save").disabled = false; });

  // After a refused save the form comes back filled in: show what the script showed before.
  if (phone.value.trim()) { lookUp(); }
  if (description.value.trim()) { classify(); }
}());
