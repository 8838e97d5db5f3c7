// The places map. Nothing is loaded from the tile server until the visitor presses
// "Mostra la mappa": then Leaflet (served by the site) draws the places of the
// GeoJSON feed on the tenant's tiles. Without JavaScript the page is the list of
// places with their addresses.
(function () {
  "use strict";
  var button = document.getElementById("places-map-button");
  if (!button) return;

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function popup(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.name;
    var strong = document.createElement("strong");
    strong.appendChild(link);
    box.appendChild(strong);
    if (props.address) {
      var p = document.createElement("p");
      p.textContent = props.address;
      box.appendChild(p);
    }
    return box;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    var container = document.getElementById("places-map");
    Promise.all([
      load("link", { rel: "stylesheet", href: button.getAttribute("data-css") }),
      load("script", { src: button.getAttribute("data-js") }),
      fetch(button.getAttribute("data-geojson"), { credentials: "same-origin" }).then(function (r) { return r.json(); })
    ]).then(function (res) {
      var data = res[2];
      container.hidden = false;
      button.hidden = true;
      var map = window.L.map(container);
      window.L.tileLayer(button.getAttribute("data-tiles"), {
        maxZoom: 19,
        attribution: button.getAttribute("data-attribution")
      }).addTo(map);
      var layer = window.L.geoJSON(data, {
        onEachFeature: function (f, l) { l.bindPopup(popup(f.properties)); }
      }).addTo(map);
      if (data.features.length) {
        map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 16 });
      }
      container.setAttribute("tabindex", "-1");
      container.focus();
    }).catch(function () {
      button.disabled = false;
    });
  });
})();
