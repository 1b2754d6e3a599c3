/* Inspection pages (issue 20): the day's points, numbered by score, or the plan's routes — one
   polyline per team from its base through its stops in order and back, numbered markers in the
   team's colour, the base as a square, dropped points in grey. The data is in the page
   (#inspection-map-data); without this script the tables below show everything. */
(function () {
  "use strict";

  var box = document.getElementById("inspection-map");
  var source = document.getElementById("inspection-map-data");
  var status = document.getElementById("inspection-map-status");
  if (!box || !source || !window.L) return;
  var L = window.L;
  var data = JSON.parse(source.textContent);

  var map = L.map(box).setView([parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], 12);
  L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
  var bounds = [];
  status.textContent = "";

  function numbered(latlng, text, colour, label, className) {
    var html = document.createElement("span");
    html.className = "inspection-marker " + (className || "");
    html.style.background = colour;
    html.textContent = text;
    var marker = L.marker(latlng, {
      icon: L.divIcon({ html: html, className: "", iconSize: [26, 26], iconAnchor: [13, 13] }),
      title: label,
      keyboard: false
    });
    marker.bindPopup(label);
    bounds.push(latlng);
    return marker.addTo(map);
  }

  var lines = 0;
  if (box.dataset.kind === "points") {
    data.forEach(function (p) {
      numbered([p.lat, p.lon], String(p.n), "#1d70b8", p.n + ". " + p.label + " (" + p.score.toFixed(1).replace(".", ",") + ")", "point");
    });
  } else {
    data.teams.forEach(function (team) {
      var base = team.base;
      numbered(base, "Б", team.colour, team.name + ": " + box.dataset.base, "base");
      if (!team.stops.length) return;
      var path = [base];
      team.stops.forEach(function (stop) {
        path.push([stop.lat, stop.lon]);
        numbered([stop.lat, stop.lon], String(stop.n), team.colour,
          team.name + ", " + stop.n + ": " + stop.label + " — " + stop.eta, "stop");
      });
      path.push(base);
      L.polyline(path, {
        color: team.colour, weight: 4, opacity: 0.8, interactive: false, className: "route-line"
      }).addTo(map);
      lines += 1;
    });
    data.dropped.forEach(function (p) {
      numbered([p.lat, p.lon], "×", "#505a5f", box.dataset.dropped + ": " + p.label, "dropped");
    });
  }
  if (bounds.length) map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] });
  box.dataset.routes = String(lines);
  box.dataset.markers = String(bounds.length);
  box.dataset.state = "ready";
})();
