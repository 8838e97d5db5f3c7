// Web Analytics Italia (Matomo): loaded only on pages of a comune that measures its
// visits, for a visitor who accepted it (the server adds this script then, and
// widens the page's security policy to the Matomo server). Visitors' addresses are
// anonymised by the Matomo server's settings.
(function () {
  var me = document.currentScript;
  if (!me) return;
  var url = me.getAttribute("data-url"), site = me.getAttribute("data-site");
  if (!url || !site) return;
  var _paq = (window._paq = window._paq || []);
  _paq.push(["trackPageView"]);
  _paq.push(["enableLinkTracking"]);
  _paq.push(["setTrackerUrl", url + "matomo.php"]);
  _paq.push(["setSiteId", site]);
  var s = document.createElement("script");
  s.async = true;
  s.src = url + "matomo.js";
  document.head.appendChild(s);
})();
