// Charts for the evaluation reports, drawn from the same figures as the tables under them.
(function () {
  const colours = ["#005eb8", "#ffb81c", "#768692", "#009639"];
  for (const chart of JSON.parse(document.getElementById("charts-data").textContent)) {
    const canvas = document.getElementById("chart-" + chart.id);
    // A chart on its side grows with its labels, so that each is written out in full on its own line.
    if (chart.horizontal) {
      const perLabel = chart.datasets.length > 1 ? 36 : 26;
      canvas.parentNode.style.height = Math.max(280, 90 + perLabel * chart.labels.length) + "px";
    }
    const categories = { ticks: { autoSkip: false, maxRotation: 0 } };
    new Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((set, i) => ({
          ...set, backgroundColor: colours[i % colours.length], borderColor: colours[i % colours.length],
        })),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        indexAxis: chart.horizontal ? "y" : "x",
        scales: chart.horizontal ? { y: categories } : { x: categories },
        plugins: { title: { display: true, text: chart.title } },
      },
    });
  }
})();
