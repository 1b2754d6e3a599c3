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
    else marker = addMarker(latlng);
    if (pan) map.setView(latlng, Math.max(map.getZoom(), 16));
    status.textContent = mapBox.dataset.markedText;
    mapBox.classList.remove("invalid");
    refreshSimilar();
  }

  // The pin can be dragged to the exact spot after an address or a tap placed it.
  function addMarker(latlng) {
    var pin = window.L.marker(latlng, { keyboard: false, draggable: true }).addTo(map);
    pin.on("dragend", function () { setPoint(pin.getLatLng(), false); });
    return pin;
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
      marker = addMarker([lat, lon]);
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

  /* ---------------------------------------------------------------- address search */

  // The pin from a chosen address: on the map when there is one (its tiles may not load: the
  // point is set all the same), else straight into the coordinate fields.
  function placePin(lat, lon) {
    if (map) { setPoint(window.L.latLng(lat, lon), true); return; }
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (mapBox) status.textContent = mapBox.dataset.markedText;
    refreshSimilar();
  }

  var addressInput = document.getElementById("id_address");
  var suggestions = document.getElementById("address-suggestions");
  var addressStatus = document.getElementById("address-status");
  var found = [], active = -1, timer = null, asked = 0;

  function closeSuggestions() {
    suggestions.hidden = true;
    suggestions.textContent = "";
    addressInput.setAttribute("aria-expanded", "false");
    addressInput.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    Array.prototype.forEach.call(suggestions.children, function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) addressInput.setAttribute("aria-activedescendant", "address-option-" + index);
  }

  function choose(index) {
    var chosen = found[index];
    if (!chosen) return;
    addressInput.value = chosen.label;
    closeSuggestions();
    placePin(chosen.lat, chosen.lon);
    addressStatus.textContent = addressStatus.dataset.chosen;
  }

  function showSuggestions() {
    suggestions.textContent = "";
    found.forEach(function (result, index) {
      var item = document.createElement("li");
      item.id = "address-option-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.textContent = result.label;
      // mousedown, not click: the field keeps its focus and its list until the choice.
      item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
      suggestions.appendChild(item);
    });
    suggestions.hidden = !found.length;
    addressInput.setAttribute("aria-expanded", found.length ? "true" : "false");
    addressStatus.textContent = found.length
      ? addressStatus.dataset.found.replace("{count}", found.length)
      : addressStatus.dataset.none;
  }

  function lookUp() {
    var query = addressInput.value.trim();
    if (query.length < 2) { closeSuggestions(); addressStatus.textContent = ""; return; }
    var mine = ++asked;
    fetch(addressInput.dataset.searchUrl + "?" + new URLSearchParams({ q: query }).toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (mine !== asked) return;  // an answer to an older query
        found = data.results || [];
        active = -1;
        showSuggestions();
      })
      .catch(function () { closeSuggestions(); });
  }

  if (addressInput && suggestions && window.fetch) {
    document.querySelectorAll(".address-field .js-only").forEach(function (el) { el.hidden = false; });
    addressInput.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, 200);
    });
    addressInput.addEventListener("keydown", function (event) {
      var open = !suggestions.hidden && found.length;
      if (event.key === "ArrowDown" && open) {
        event.preventDefault();
        highlight((active + 1) % found.length);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? found.length - 1 : active - 1);
      } else if (event.key === "Enter" && open) {
        event.preventDefault();  // choosing an address never sends the form
        choose(active >= 0 ? active : 0);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        closeSuggestions();
      }
    });
    addressInput.addEventListener("blur", closeSuggestions);
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
