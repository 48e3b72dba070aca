// Charts for the contract dashboard, from the figures the page also shows as tables.
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  new Chart(document.getElementById("chart-grants"), {
    type: "bar",
    data: { labels: data.grants.labels, datasets: [
      { label: "Received", data: data.grants.received, backgroundColor: "#005eb8" },
      { label: "Target", data: data.grants.target, backgroundColor: "#aeb7bd" },
    ] },
    options: common,
  });
  new Chart(document.getElementById("chart-spend"), {
    type: "bar",
    data: { labels: data.spend.labels, datasets: [
      { label: "Grant (£)", data: data.spend.grant, backgroundColor: "#005eb8", stack: "s" },
      { label: "Spot purchases (£)", data: data.spend.spot, backgroundColor: "#ffb81c", stack: "s" },
    ] },
    options: common,
  });
})();
