/* Field report on a phone: «My location» fills the point from the device, a pin on the map is
   the fallback, the category hint shows, one submission per tap. Works without it (the
   coordinates can be typed). */
(function () {
  "use strict";

  var form = document.getElementById("field-form");
  if (!form) return;

  var latInput = document.getElementById("id_latitude");
  var lonInput = document.getElementById("id_longitude");
  var status = document.getElementById("point-status");
  var mapBox = document.getElementById("report-map");
  var locate = document.getElementById("field-locate");
  var select = document.getElementById("id_category");
  var hint = document.getElementById("category-hint");
  var map = null, marker = null;

  function setPoint(lat, lon, pan) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    status.textContent = status.dataset.markedText;
    if (mapBox) mapBox.classList.remove("invalid");
    if (!map) return;
    if (marker) marker.setLatLng([lat, lon]);
    else marker = window.L.marker([lat, lon], { keyboard: false }).addTo(map);
    if (pan) map.setView([lat, lon], Math.max(map.getZoom(), 16));
  }

  if (window.L && mapBox) {
    document.getElementById("coords").hidden = true;
    map = window.L.map(mapBox, { scrollWheelZoom: false }).setView(
      [parseFloat(mapBox.dataset.lat), parseFloat(mapBox.dataset.lon)],
      parseInt(mapBox.dataset.zoom, 10) || 12
    );
    window.L.tileLayer(mapBox.dataset.tileUrl, {
      maxZoom: 19, attribution: mapBox.dataset.attribution
    }).addTo(map);
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    if (isFinite(lat) && isFinite(lon)) setPoint(lat, lon, true);
    map.on("click", function (event) { setPoint(event.latlng.lat, event.latlng.lng, false); });
    mapBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target === mapBox) {
        event.preventDefault();
        var center = map.getCenter();
        setPoint(center.lat, center.lng, false);
      }
    });
  }

  if (navigator.geolocation && locate) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = status.dataset.locatingText;
      navigator.geolocation.getCurrentPosition(
        function (position) { setPoint(position.coords.latitude, position.coords.longitude, true); },
        function () { status.textContent = status.dataset.locateFailedText; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function showHint() {
    var option = select.options[select.selectedIndex];
    hint.textContent = option && option.dataset.hint ? option.dataset.hint : "";
  }
  if (select && hint) {
    select.addEventListener("change", showHint);
    showHint();
  }

  var submit = document.getElementById("field-submit");
  form.addEventListener("submit", function (event) {
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    window.setTimeout(function () { submit.disabled = true; }, 0);
  });
  window.addEventListener("pageshow", function () {
    delete form.dataset.sending;
    submit.disabled = false;
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
