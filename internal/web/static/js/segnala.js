// The pin on the report form. Without JavaScript the reporter writes the address;
// with it, "Indica sulla mappa" loads Leaflet (served by the site) and the tenant's
// tiles, and a click or tap on the map puts the pin, whose position fills the hidden
// lat/lon fields. The pin can be dragged; the keyboard user can still type the
// address. Nothing is requested from the tile server before the button is pressed.
(function () {
  "use strict";
  var button = document.getElementById("report-map-button");
  if (!button) return;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var status = document.getElementById("report-map-status");

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function set(ll) {
    lat.value = ll.lat.toFixed(6);
    lon.value = ll.lng.toFixed(6);
    status.textContent = (document.documentElement.lang === "en" ? "Pin set at " : "Segnaposto in ") + lat.value + ", " + lon.value;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    var container = document.getElementById("report-map");
    Promise.all([
      load("link", { rel: "stylesheet", href: button.getAttribute("data-css") }),
      load("script", { src: button.getAttribute("data-js") }),
      fetch(button.getAttribute("data-geojson"), { credentials: "same-origin" }).then(function (r) { return r.json(); })
    ]).then(function (res) {
      container.hidden = false;
      button.hidden = true;
      var L = window.L;
      var map = L.map(container);
      L.tileLayer(button.getAttribute("data-tiles"), { maxZoom: 19, attribution: button.getAttribute("data-attribution") }).addTo(map);
      var marker = null;
      function place(ll) {
        if (marker) { marker.setLatLng(ll); } else {
          marker = L.marker(ll, { draggable: true }).addTo(map);
          marker.on("dragend", function () { set(marker.getLatLng()); });
        }
        set(ll);
      }
      if (lat.value && lon.value) {
        var ll = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
        map.setView(ll, 17);
        place(ll);
      } else if (res[2].features && res[2].features.length) {
        map.fitBounds(L.geoJSON(res[2]).getBounds(), { padding: [30, 30], maxZoom: 16 });
      } else {
        map.setView([42.5, 12.5], 6);
      }
      map.on("click", function (e) { place(e.latlng); });
      container.setAttribute("tabindex", "-1");
      container.focus();
    }).catch(function () { button.disabled = false; });
  });
})();
