// Charts for the evaluation reports, drawn from the same figures as the tables under them.
(function () {
  const colours = ["#005eb8", "#ffb81c", "#768692", "#009639"];
  for (const chart of JSON.parse(document.getElementById("charts-data").textContent)) {
    new Chart(document.getElementById("chart-" + chart.id), {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((set, i) => ({ ...set, backgroundColor: colours[i % colours.length] })),
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { title: { display: true, text: chart.title } } },
    });
  }
})();
