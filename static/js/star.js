// The star chart: baseline against the latest reading (the same figures are in the table beside it).
(function () {
  const source = document.getElementById("star-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const datasets = [{ label: data.baseline_label, data: data.baseline, borderColor: "#768692",
                      backgroundColor: "rgba(118,134,146,0.15)", pointRadius: 3 }];
  if (data.latest_label) {
    datasets.push({ label: data.latest_label, data: data.latest, borderColor: "#005eb8",
                    backgroundColor: "rgba(0,94,184,0.2)", pointRadius: 3 });
  }
  new Chart(document.getElementById("star-chart"), {
    type: "radar",
    data: { labels: data.labels, datasets: datasets },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
               scales: { r: { min: 0, max: 5, ticks: { stepSize: 1 } } } },
  });
})();
