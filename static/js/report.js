/* «Сообщить о проблеме»: category search and hint, the map pin, photo previews, similar
   appeals nearby, one submission per click. Without this script the form still works. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) return;

  var select = document.getElementById("id_category");
  var hint = document.getElementById("category-hint");
  var latInput = document.getElementById("id_latitude");
  var lonInput = document.getElementById("id_longitude");
  var similarBox = document.getElementById("similar");
  var submit = document.getElementById("report-submit");

  /* ---------------------------------------------------------------- similar appeals */

  function refreshSimilar() {
    var lat = latInput.value, lon = lonInput.value, category = select.value;
    if (!lat || !lon || !category || !window.htmx) return;
    var url = form.dataset.similarUrl + "?" + new URLSearchParams({
      lat: lat, lon: lon, category: category
    }).toString();
    window.htmx.ajax("GET", url, { target: similarBox, swap: "innerHTML" });
  }

  function updateSubmitLabel() {
    var found = similarBox.querySelector(".similar-item");
    submit.textContent = found ? form.dataset.confirmLabel : form.dataset.sendLabel;
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === similarBox) updateSubmitLabel();
  });

  /* ---------------------------------------------------------------- category */

  function showHint() {
    var option = select.options[select.selectedIndex];
    hint.textContent = option && option.dataset.hint ? option.dataset.hint : "";
  }

  var searchField = document.getElementById("category-search-field");
  var search = document.getElementById("category-search");
  var searchStatus = document.getElementById("category-search-status");

  function filterCategories() {
    var words = search.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    var first = null, count = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      var haystack = (option.dataset.search || option.textContent).toLowerCase();
      var match = words.every(function (word) { return haystack.indexOf(word) !== -1; });
      option.hidden = !match;
      option.disabled = !match;
      if (match) { count += 1; if (!first) first = option; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    var current = select.options[select.selectedIndex];
    if (words.length && first && (!current || !current.value || current.hidden)) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    searchStatus.textContent = words.length ? search.dataset.found.replace("{count}", count) : "";
  }

  if (search) {
    searchField.hidden = false;
    search.dataset.found = searchStatus.dataset.found || "{count}";
    search.addEventListener("input", filterCategories);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  }
  select.addEventListener("change", function () { showHint(); refreshSimilar(); });

  /* ---------------------------------------------------------------- map */

  var mapBox = document.getElementById("report-map");
  var status = document.getElementById("point-status");
  var marker = null, map = null;

  function setPoint(latlng, pan) {
    latInput.value = latlng.lat.toFixed(6);
    lonInput.value = latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(latlng);
    else marker = window.L.marker(latlng, { keyboard: false }).addTo(map);
    if (pan) map.setView(latlng, Math.max(map.getZoom(), 16));
    status.textContent = mapBox.dataset.markedText;
    mapBox.classList.remove("invalid");
    refreshSimilar();
  }

  if (window.L && mapBox) {
    document.getElementById("coords").hidden = true;
    var center = [parseFloat(mapBox.dataset.lat), parseFloat(mapBox.dataset.lon)];
    map = window.L.map(mapBox, { scrollWheelZoom: false }).setView(
      center, parseInt(mapBox.dataset.zoom, 10) || 12
    );
    window.L.tileLayer(mapBox.dataset.tileUrl, {
      maxZoom: 19, attribution: mapBox.dataset.attribution
    }).addTo(map);
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    if (isFinite(lat) && isFinite(lon)) {
      marker = window.L.marker([lat, lon], { keyboard: false }).addTo(map);
      map.setView([lat, lon], 16);
    }
    map.on("click", function (event) { setPoint(event.latlng, false); });
    // Keyboard: Enter on the focused map puts the pin at its centre.
    mapBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target === mapBox) {
        event.preventDefault();
        setPoint(map.getCenter(), false);
      }
    });

    var locate = document.getElementById("locate-me");
    if (navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        status.textContent = mapBox.dataset.locatingText;
        navigator.geolocation.getCurrentPosition(
          function (position) {
            setPoint(window.L.latLng(position.coords.latitude, position.coords.longitude), true);
          },
          function () { status.textContent = mapBox.dataset.locateFailedText; },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }

  /* ---------------------------------------------------------------- photos */

  var fileInput = document.getElementById("id_photos");
  var previews = document.getElementById("photo-previews");
  var photoError = document.getElementById("photos-client-error");
  var chosen = [];
  var canRebuild = typeof DataTransfer === "function";

  function rebuildInput() {
    if (!canRebuild) return;
    var transfer = new DataTransfer();
    chosen.forEach(function (file) { transfer.items.add(file); });
    fileInput.files = transfer.files;
  }

  function renderPreviews() {
    previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    previews.textContent = "";
    chosen.forEach(function (file, index) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary";
      remove.textContent = fileInput.dataset.removeText;
      remove.setAttribute("aria-label", fileInput.dataset.removeText + ": " + file.name);
      remove.addEventListener("click", function () {
        chosen.splice(index, 1);
        photoError.textContent = "";
        rebuildInput();
        renderPreviews();
      });
      item.appendChild(img);
      item.appendChild(remove);
      previews.appendChild(item);
    });
  }

  if (fileInput) {
    fileInput.addEventListener("change", function () {
      var max = parseInt(fileInput.dataset.max, 10);
      var added = Array.prototype.slice.call(fileInput.files);
      // Choosing again adds to the photos already chosen (where the browser lets us).
      var all = canRebuild ? chosen.concat(added) : added;
      photoError.textContent = all.length > max ? fileInput.dataset.tooManyText : "";
      chosen = all.slice(0, max);
      rebuildInput();
      renderPreviews();
    });
  }

  /* ---------------------------------------------------------------- one submission */

  form.addEventListener("submit", function (event) {
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    // Disabled after the submission has been built, so the button's own value still goes.
    window.setTimeout(function () {
      submit.disabled = true;
      submit.setAttribute("aria-busy", "true");
    }, 0);
  });
  // Back from the browser's cache: the form may be used again.
  window.addEventListener("pageshow", function () {
    delete form.dataset.sending;
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
  });

  showHint();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
