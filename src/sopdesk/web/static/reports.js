// Report charts: each <figure data-chart> is drawn with Chart.js from the table of numbers
// under it (data-table), so the chart and its table cannot disagree. Series differ by fill
// pattern, line dash and point shape as well as colour (readable without colour alone).
(function () {
  "use strict";
  // Okabe-Ito: told apart by people with the common colour-vision deficiencies.
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9"];
  var DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 2]];
  var POINTS = ["circle", "triangle", "rect", "rectRot", "crossRot", "star"];

  function pattern(colour, kind) {
    // A fill for bar series: solid, stripes, dots, cross-hatch, bands.
    if (kind % 5 === 0) return colour;
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var c = tile.getContext("2d");
    c.fillStyle = "#ffffff";
    c.fillRect(0, 0, 8, 8);
    c.strokeStyle = c.fillStyle = colour;
    c.lineWidth = 2;
    c.beginPath();
    if (kind % 5 === 1) { c.moveTo(0, 8); c.lineTo(8, 0); }
    if (kind % 5 === 2) { c.arc(4, 4, 2, 0, 2 * Math.PI); c.fill(); }
    if (kind % 5 === 3) { c.moveTo(0, 0); c.lineTo(8, 8); c.moveTo(0, 8); c.lineTo(8, 0); }
    if (kind % 5 === 4) { c.moveTo(0, 4); c.lineTo(8, 4); }
    c.stroke();
    return c.createPattern(tile, "repeat");
  }

  function readTable(table) {
    var cols = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return { name: th.dataset.col, label: th.textContent };
    });
    var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
      var row = {};
      tr.querySelectorAll("td[data-col]").forEach(function (td) {
        row[td.dataset.col] = td.dataset.value === undefined ? null : td.dataset.value;
      });
      return row;
    }).filter(function (row) { return Object.keys(row).length > 0; });
    var labels = {};
    cols.forEach(function (c) { labels[c.name] = c.label; });
    return { rows: rows, labels: labels };
  }

  function number(text, unit) {
    if (text === null || text === undefined || text === "") return null;
    var n = parseFloat(text);
    return unit === "%" ? Math.round(n * 1000) / 10 : n;
  }

  function unique(values) {
    return values.filter(function (v, i) { return values.indexOf(v) === i; });
  }

  function series(spec, data) {
    var found = [];
    if (spec.pivot) {
      var col = spec.series[0];
      unique(data.rows.map(function (r) { return r[spec.pivot]; })).forEach(function (key) {
        found.push({ label: key, values: spec.categories.map(function (x) {
          var row = data.rows.find(function (r) { return r[spec.x] === x && r[spec.pivot] === key; });
          return row ? number(row[col], spec.unit) : null;
        }) });
      });
    } else {
      spec.series.forEach(function (col) {
        found.push({ label: data.labels[col] || col,
          values: data.rows.map(function (r) { return number(r[col], spec.unit); }) });
      });
    }
    return found;
  }

  function datasets(spec, data) {
    var sets = series(spec, data).map(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      var set = { label: s.label, data: s.values, borderColor: colour, borderWidth: 2 };
      if (spec.kind === "line") {
        set.borderDash = DASHES[i % DASHES.length];
        set.pointStyle = POINTS[i % POINTS.length];
        set.pointRadius = 4;
        set.backgroundColor = colour;
      } else {
        set.backgroundColor = pattern(colour, i);
      }
      return set;
    });
    spec.markers.forEach(function (col, i) {
      sets.push({ type: "line", label: data.labels[col] || col, showLine: false,
        data: data.rows.map(function (r) { return number(r[col], spec.unit); }),
        pointStyle: POINTS[(i + 1) % POINTS.length], pointRadius: 7,
        borderColor: "#111827", backgroundColor: "#111827" });
    });
    return sets;
  }

  function draw(figure) {
    var table = document.getElementById(figure.dataset.table);
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas || typeof Chart === "undefined") return;
    var data = readTable(table);
    var limit = parseInt(figure.dataset.limit || "0", 10);
    if (limit) data.rows = data.rows.slice(0, limit);
    var list = function (text) { return text ? text.split(",") : []; };
    var spec = {
      kind: figure.dataset.chart, x: figure.dataset.x, unit: figure.dataset.unit,
      series: list(figure.dataset.series), markers: list(figure.dataset.markers),
      pivot: figure.dataset.pivot || null,
    };
    spec.categories = unique(data.rows.map(function (r) { return r[spec.x]; }));
    var horizontal = figure.hasAttribute("data-horizontal");
    var valueAxis = { beginAtZero: true, max: spec.unit === "%" ? 100 : undefined,
      title: { display: Boolean(spec.unit), text: spec.unit === "%" ? "per cent" : "seconds" } };
    var categoryAxis = { ticks: { autoSkip: false } };  // every row named, never every other
    if (horizontal) {
      // Room for each row's bars and its name: a fixed box squeezed 12 rows and hid half.
      var perRow = 14 * Math.max(1, spec.series.length) + 10;
      canvas.parentNode.style.height = Math.max(260, spec.categories.length * perRow + 70) + "px";
    }
    var chart = new Chart(canvas, {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.categories, datasets: datasets(spec, data) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { position: "bottom", labels: { usePointStyle: spec.kind === "line" } } },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { y: valueAxis },
      },
    });
    figure.dataset.drawn = String(chart.data.datasets.length);
  }

  function drawAll() {
    document.querySelectorAll("figure[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
