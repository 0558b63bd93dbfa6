/* The atlas map in the browser: country outlines, clustered sites, a name search and a legend.
 * Every text from the data reaches the page through textContent, never as HTML, and the options arrive as JSON. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + " answered " + r.status); }
      return r.json();
    });
  }

  function popupContent(p) {
    var box = el("div", "atlas-popup");
    box.appendChild(el("h4", null, p.name));
    var dl = el("dl");
    function row(label, value) {
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", null, value));
    }
    row("Country", p.country);
    row("Commodities", (p.commodities || []).join(", ") || "—");
    row("Sources", p.n_sources + (p.n_sources === 1 ? " record" : " records"));
    if (p.controlling_partner) { row("Controlled by", p.controlling_partner); }
    var pm = p.location_precision_km ? " ± " + p.location_precision_km + " km" : "";
    if (p.nearest_corridor) {
      row("Nearest corridor", p.nearest_corridor_name + ": " + p.corridor_distance_km.toFixed(0) + " km" + pm);
    }
    if (p.nearest_corridor_any && p.nearest_corridor_any !== p.nearest_corridor) {
      row("With planned lines", p.nearest_corridor_any_name + ": " + p.corridor_distance_any_km.toFixed(0) + " km");
    }
    if (p.nearest_gateway) {
      row("Nearest gateway", p.nearest_gateway_name + ": " + p.gateway_distance_km.toFixed(0) + " km");
    }
    if (p.location_precision_km !== null && p.location_precision_km !== undefined) {
      row("Precision", "± " + p.location_precision_km + " km");
    }
    box.appendChild(dl);
    var link = el("a", null, "Site page and sources →");
    link.href = p.url;
    box.appendChild(link);
    return box;
  }

  function control(position, className, build) {
    var C = L.Control.extend({
      onAdd: function () {
        var div = el("div", "atlas-panel " + className);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        build(div);
        return div;
      }
    });
    return new C({ position: position });
  }

  function legend(title, colours) {
    return control("bottomright", "atlas-legend", function (div) {
      fillLegend(div, title, colours);
    });
  }

  /* A legend: a title, one coloured swatch per name, then `extra` entries ({label, kind}) whose swatch is
   * styled by its kind's CSS class (swatch-holder-unknown, swatch-share-unknown). */
  function fillLegend(div, title, colours, extra) {
    div.replaceChildren(el("strong", null, title));
    Object.keys(colours).forEach(function (name) {
      var line = el("div");
      var swatch = el("span", "swatch");
      swatch.style.background = colours[name];
      line.appendChild(swatch);
      line.appendChild(document.createTextNode(name));
      div.appendChild(line);
    });
    (extra || []).forEach(function (entry) {
      var line = el("div", "legend-" + entry.kind);
      line.appendChild(el("span", "swatch swatch-" + entry.kind));
      line.appendChild(document.createTextNode(entry.label));
      div.appendChild(line);
    });
  }

  function withParams(url, params) {
    var u = new URL(url, window.location.href);
    Object.keys(params).forEach(function (key) {
      if (params[key]) { u.searchParams.set(key, params[key]); } else { u.searchParams.delete(key); }
    });
    return u.pathname + u.search;
  }

  /* The view control: the as-of date, what sites are coloured by, and the partner of the choropleth. */
  function viewControl(options, onChange) {
    return control("topright", "atlas-view", function (div) {
      var date = el("input");
      date.type = "date";
      date.value = options.asOf;
      date.setAttribute("aria-label", "Ownership as of");
      var mode = el("select");
      [["group", "commodity group"], ["partner", "controlling partner"]].forEach(function (o) {
        var opt = el("option", null, o[1]);
        opt.value = o[0];
        mode.appendChild(opt);
      });
      mode.setAttribute("aria-label", "Colour sites by");
      var partner = el("select");
      Object.keys(options.partnerColours).forEach(function (name) {
        if (name === "unknown") { return; }
        var opt = el("option", null, name);
        opt.value = name;
        partner.appendChild(opt);
      });
      partner.setAttribute("aria-label", "Partner shown on the country layer");
      [["As of ", date], ["Colour by ", mode], ["Country layer: ", partner]].forEach(function (row) {
        var label = el("label", null, row[0]);
        label.appendChild(row[1]);
        div.appendChild(label);
      });
      function changed() { onChange({ asOf: date.value, mode: mode.value, partner: partner.value }); }
      date.addEventListener("change", changed);
      mode.addEventListener("change", changed);
      partner.addEventListener("change", changed);
    });
  }

  function select(choices, anyLabel, ariaLabel) {
    var node = el("select");
    if (anyLabel) {
      var any = el("option", null, anyLabel);
      any.value = "";
      node.appendChild(any);
    }
    choices.forEach(function (choice) {
      var opt = el("option", null, choice[1]);
      opt.value = choice[0];
      node.appendChild(opt);
    });
    node.setAttribute("aria-label", ariaLabel);
    return node;
  }

  /* The map's bounds as minlon,minlat,maxlon,maxlat, widened to 6 decimals and kept within the globe. */
  function boundsParam(map) {
    var b = map.getBounds();
    function clamp(v, low, high) { return Math.min(high, Math.max(low, v)); }
    return [Math.floor(clamp(b.getWest(), -180, 180) * 1e6) / 1e6, Math.floor(clamp(b.getSouth(), -90, 90) * 1e6) / 1e6,
      Math.ceil(clamp(b.getEast(), -180, 180) * 1e6) / 1e6, Math.ceil(clamp(b.getNorth(), -90, 90) * 1e6) / 1e6]
      .join(",");
  }

  /* The Download panel: a format, a country and a commodity filter (which also filter the sites on the map)
   * and "only the visible area"; its link downloads exactly the sites the map shows. Also links the rasters. */
  function downloadPanel(map, options, getView, onFilter) {
    var config = options.download;
    var parts = {};
    var panel = control("topright", "atlas-download", function (div) {
      div.appendChild(el("strong", null, "Download"));
      parts.format = select(config.formats, null, "Download format");
      parts.country = select(config.countries, "all countries", "Show and download sites of a country");
      parts.commodity = select(config.commodities.map(function (c) { return [c, c]; }), "all commodities",
        "Show and download sites with a commodity");
      parts.visible = el("input");
      parts.visible.type = "checkbox";
      parts.visible.checked = true;
      [["Format ", parts.format], ["Country ", parts.country], ["Commodity ", parts.commodity]].forEach(function (row) {
        var label = el("label", null, row[0]);
        label.appendChild(row[1]);
        div.appendChild(label);
      });
      var area = el("label");
      area.appendChild(parts.visible);
      area.appendChild(document.createTextNode(" only the visible area"));
      div.appendChild(area);
      parts.link = el("a", "atlas-download-link", "Download sites");
      parts.link.setAttribute("download", "");
      div.appendChild(parts.link);
      if (config.rasters.length) {
        var rasters = el("div", "atlas-download-rasters");
        config.rasters.forEach(function (raster) {
          var link = el("a", null, raster.title);
          link.href = raster.href;
          link.setAttribute("download", "");
          rasters.appendChild(link);
        });
        div.appendChild(rasters);
      }
    });
    panel.filter = function () { return { country: parts.country.value, commodity: parts.commodity.value }; };
    panel.refresh = function () {
      parts.link.href = withParams(config.sites, { f: parts.format.value, as_of: getView().asOf, mapped: "true",
        country: parts.country.value, commodity: parts.commodity.value,
        bbox: parts.visible.checked ? boundsParam(map) : "" });
    };
    panel.addTo(map);
    parts.format.addEventListener("change", panel.refresh);
    parts.visible.addEventListener("change", panel.refresh);
    [parts.country, parts.commodity].forEach(function (node) {
      node.addEventListener("change", function () { panel.refresh(); onFilter(panel.filter()); });
    });
    map.on("moveend", panel.refresh);
    panel.refresh();
    return panel;
  }

  function searchBox(map, options, markers) {
    return control("topleft", "atlas-search", function (div) {
      var input = el("input");
      input.type = "search";
      input.placeholder = "Find a deposit (any script)…";
      input.setAttribute("aria-label", "Find a deposit by name");
      var list = el("ul");
      div.appendChild(input);
      div.appendChild(list);
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { run(input.value); }, 200);
      });
      function run(text) {
        list.replaceChildren();
        if (!text.trim()) { return; }
        var url = options.endpoints.search + "?limit=20&q=" + encodeURIComponent(text);
        fetchJson(url).then(function (fc) {
          list.replaceChildren();
          if (!fc.features.length) { list.appendChild(el("li", "meta", "No deposit matches.")); }
          fc.features.forEach(function (f) {
            var item = el("li");
            item.appendChild(el("div", null, f.properties.name));
            item.appendChild(el("div", "meta", f.properties.country + " · " +
              (f.properties.commodities || []).slice(0, 6).join(", ") + (f.geometry ? "" : " · not mapped")));
            item.addEventListener("click", function () { show(f); });
            list.appendChild(item);
          });
        }).catch(function (err) { list.replaceChildren(el("li", "meta", "Search failed: " + err.message)); });
      }
      function show(f) {
        var marker = markers.markers[f.properties.site_id];
        if (marker) {
          // markercluster's zoomToShowLayer never calls back for CircleMarkers (Leaflet.markercluster#904),
          // so zoom in ourselves and open the popup at the site.
          map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12), { animate: false });
          map.openPopup(popupContent(f.properties), marker.getLatLng());
        } else {
          window.location.href = f.properties.url;
        }
      }
    });
  }

  /* Corridors coloured by status, drawn dashed where schematic or at sea; gateways; distance buffers;
   * raster overlays. Every layer loads from the API, so the page itself stays small. */
  function transportLayers(map, options, status) {
    var corridorLayer = L.geoJSON(null, {
      style: function (feature) {
        var p = feature.properties;
        return { color: options.statusColours[p.status] || "#555", weight: p.on_track ? 4 : 3,
          dashArray: p.on_track ? null : (p.reason === "sea" ? "2 8" : "10 8"), opacity: 0.9 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(function () {
          return el("span", null, p.corridor_name + ": " + p.from_name + " – " + p.to_name + " (" +
            Math.round(p.length_km) + " km" + (p.on_track ? ", along track" : ", schematic: " + p.reason) + ")");
        });
      }
    });
    var gatewayLayer = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 });
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () {
          return el("span", null, feature.properties.name + " (" + feature.properties.kind.replace("_", " ") + ")");
        });
      }
    });
    var bufferLayer = L.geoJSON(null, {
      interactive: false,
      style: function (feature) {
        return { color: "#0072B2", weight: 1, fillColor: "#0072B2",
          fillOpacity: { 50: 0.18, 100: 0.10, 250: 0.05 }[feature.properties.distance_km] || 0.05 };
      }
    });
    fetchJson(options.endpoints.corridorSegments).then(function (fc) { corridorLayer.addData(fc); })
      .catch(function (err) { status.textContent = "Corridors failed: " + err.message; });
    fetchJson(options.endpoints.gateways).then(function (fc) { gatewayLayer.addData(fc); })
      .catch(function (err) { status.textContent = "Gateways failed: " + err.message; });
    var overlays = { "Export corridors": corridorLayer, "Gateways": gatewayLayer,
      "Distance bands (50/100/250 km)": bufferLayer };
    bufferLayer.once("add", function () {
      fetchJson(options.endpoints.buffers).then(function (fc) { bufferLayer.addData(fc); })
        .catch(function (err) { status.textContent = "Buffers failed: " + err.message; });
    });
    (options.rasters || []).forEach(function (raster) {
      var overlay = L.imageOverlay(raster.png, raster.bounds, { opacity: 0.6, attribution: raster.attribution });
      overlays[raster.title] = overlay;
    });
    corridorLayer.addTo(map);
    gatewayLayer.addTo(map);
    control("bottomright", "atlas-corridor-legend", function (div) {
      fillLegend(div, "Corridor status (dashed: schematic; dotted: sea)", options.statusColours);
    }).addTo(map);
    return overlays;
  }

  /* A site marker's style. By controlling partner: the partner's colour; a white disc with a dark outline when
   * a holder is sourced but no single partner controls it ("share unknown"); a small hollow ring when no
   * sourced licence is in force ("holder unknown"), so the many unlicensed sites do not read as a partner. */
  function siteStyle(p, view, options) {
    var base = { radius: 6, color: "#222", weight: 1, fillOpacity: 0.9 };
    if (view.mode !== "partner") {
      return Object.assign(base, { fillColor: options.colours[p.primary_group] || options.colours.other });
    }
    if (p.ownership_coverage === "holder unknown") {
      return { radius: 3, color: "#333", weight: 1.5, fillColor: "#FFFFFF", fillOpacity: 0 };
    }
    var colour = p.controlling_partner && p.controlling_partner !== "unknown" &&
      options.partnerColours[p.controlling_partner];
    return Object.assign(base, colour ? { fillColor: colour } : { fillColor: "#FFFFFF", weight: 2 });
  }

  /* "N of M sites have a sourced holder" on the day shown, from /api/coverage. */
  function showCoverage(div, options, asOf) {
    if (!options.endpoints.coverage) { return; }
    fetchJson(withParams(options.endpoints.coverage, { as_of: asOf })).then(function (body) {
      var t = body.totals;
      div.textContent = t.sites_with_holder + " of " + t.sites + " sites have a sourced holder (" +
        t.sites_with_known_share + " a known share) on " + body.as_of;
      div.setAttribute("data-as-of", body.as_of);
    }).catch(function (err) { div.textContent = "Coverage failed to load: " + err.message; });
  }

  /* The map's options come from a <script type="application/json"> block, parsed here, and never from script
   * text: the page is rendered through a template compiler that must never see data. */
  function readOptions(elementId) {
    var node = document.getElementById(elementId);
    if (!node) { throw new Error("the map's options block #" + elementId + " is missing"); }
    return JSON.parse(node.textContent);
  }

  function init(map, optionsId) {
    var options = readOptions(optionsId);
    var tiles = options.tiles ? L.tileLayer(options.tiles.url, {
      attribution: options.tiles.attribution, maxZoom: 18, maxNativeZoom: 18
    }).addTo(map) : null;
    options.asOf = options.asOf || new Date().toISOString().slice(0, 10);
    var view = { asOf: options.asOf, mode: "group", partner: "China" };
    // Outlines always draw the borders; their land fill shows only when there are no tiles,
    // so the map stays readable with no internet.
    var tilesFailed = false;
    var outlines = L.geoJSON(null, {
      interactive: false,
      // A function, so outlines that arrive after a tile error are filled too.
      style: function () {
        return { color: "#555", weight: 1, fillColor: "#f4f1ea", fillOpacity: tiles && !tilesFailed ? 0 : 1 };
      }
    }).addTo(map);
    if (tiles) {
      tiles.once("tileerror", function () {
        tilesFailed = true;
        outlines.resetStyle();
        map.getContainer().setAttribute("data-tiles", "unavailable");
      });
    }
    // The share of the chosen partner in each country's licensed deposits.
    var choropleth = L.geoJSON(null, {
      style: function (feature) {
        var share = (feature.properties.partner_shares || {})[view.partner];
        return { color: "#333", weight: 1, fillColor: options.partnerColours[view.partner] || "#999",
          fillOpacity: share ? 0.15 + 0.6 * share / 100 : 0 };
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () {
          var p = feature.properties;
          var share = (p.partner_shares || {})[view.partner];
          return el("span", null, p.name + ": " + view.partner + " " + (share ? share.toFixed(1) + " %" : "0 %") +
            " of " + (p.licensed_sites || 0) + " licensed deposits");
        });
      }
    });
    // MarkerCluster needs a maxZoom, which otherwise only a tile layer gives the map.
    if (map.options.maxZoom === undefined) { map.setMaxZoom(18); }
    // Neutral cluster bubbles: the library's green/yellow/orange would read as commodity colours.
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      iconCreateFunction: function (group) {
        var count = group.getChildCount();
        var size = count < 10 ? 30 : count < 100 ? 36 : 42;
        return L.divIcon({ html: "<div><span>" + count + "</span></div>", className: "marker-cluster atlas-cluster",
          iconSize: L.point(size, size) });
      }
    });
    options.cluster = cluster;
    var markers = {};
    map.attributionControl.addAttribution(options.attribution);
    var status = control("bottomleft", "atlas-status", function () {}).addTo(map);
    var statusDiv = status.getContainer();
    var legendControl = legend("Commodity group", options.colours);
    var coverageLine = el("div", "atlas-coverage");

    function loadCountries() {
      fetchJson(withParams(options.endpoints.countries, { as_of: view.asOf })).then(function (fc) {
        outlines.clearLayers();
        outlines.addData(fc);
        outlines.bringToBack();
        choropleth.clearLayers();
        choropleth.addData(fc);
      }).catch(function (err) { statusDiv.textContent = "Outlines failed: " + err.message; });
    }

    // The country and commodity filters of the Download panel; a later load wins over one still on its way.
    var filter = { country: "", commodity: "" };
    var loads = 0;
    function loadSites() {
      var load = ++loads;
      statusDiv.textContent = "Loading sites…";
      statusDiv.classList.remove("error");
      var url = withParams(options.endpoints.sites,
        { as_of: view.asOf, country: filter.country, commodity: filter.commodity });
      fetchJson(url).then(function (fc) {
        if (load !== loads) { return; }
        cluster.clearLayers();
        markers = {};
        var layer = L.geoJSON(fc, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, siteStyle(feature.properties, view, options));
          },
          onEachFeature: function (feature, layer) {
            markers[feature.properties.site_id] = layer;
            layer.bindPopup(function () { return popupContent(feature.properties); });
            layer.bindTooltip(function () { return el("span", null, feature.properties.name); });
          }
        });
        cluster.addLayer(layer);
        search.markers = markers;
        statusDiv.textContent = fc.numberReturned + " mapped sites";
        statusDiv.setAttribute("data-sites", String(fc.numberReturned));
        statusDiv.setAttribute("data-as-of", view.asOf);
        statusDiv.setAttribute("data-filter", [filter.country, filter.commodity].join("|"));
      }).catch(function (err) {
        statusDiv.textContent = "Sites failed to load: " + err.message;
        statusDiv.classList.add("error");
      });
    }

    function recolour() {
      cluster.eachLayer(function (layer) {
        layer.setStyle(siteStyle(layer.feature.properties, view, options));
      });
      cluster.refreshClusters();
      fillLegendFor(view);
      choropleth.setStyle(choropleth.options.style);
    }

    function fillLegendFor(current) {
      var div = legendControl.getContainer();
      if (current.mode === "partner") {
        var colours = Object.assign({}, options.partnerColours);
        delete colours.unknown;
        fillLegend(div, "Controlling partner", colours, Object.keys(options.coverageLabels).map(function (kind) {
          return { kind: kind.replace(" ", "-"), label: options.coverageLabels[kind] };
        }));
      } else {
        fillLegend(div, "Commodity group", options.colours);
      }
      div.appendChild(coverageLine);
    }

    var search = { markers: markers };
    // A handle on the live map for scripts and tests: the clustered sites and the current view.
    window.AtlasMap.current = { map: map, cluster: cluster, view: function () { return view; } };
    loadCountries();
    loadSites();
    cluster.addTo(map);

    var bases = {};
    if (tiles) { bases["OpenStreetMap"] = tiles; }
    var overlays = { "Country outlines": outlines, "Deposit sites": cluster, "Partner share by country": choropleth };
    if (options.endpoints.corridorSegments) {
      var transport = transportLayers(map, options, statusDiv);
      Object.assign(overlays, transport);
      window.AtlasMap.current.transport = transport;
    }
    L.control.layers(bases, overlays, { collapsed: true }).addTo(map);
    var download = null;
    viewControl(options, function (next) {
      var reload = next.asOf !== view.asOf;
      view = next;
      if (reload) {
        loadSites();
        loadCountries();
        showCoverage(coverageLine, options, view.asOf);
      } else { recolour(); }
      if (reload) { setTimeout(recolour, 0); }
      if (download) { download.refresh(); }
    }).addTo(map);
    if (options.download) {
      download = downloadPanel(map, options, function () { return view; }, function (next) {
        filter = next;
        loadSites();
      });
      window.AtlasMap.current.download = download;
    }
    legendControl.addTo(map);
    fillLegendFor(view);
    showCoverage(coverageLine, options, view.asOf);
    searchBox(map, options, search).addTo(map);
  }

  window.AtlasMap = { init: init, popupContent: popupContent };
})();
