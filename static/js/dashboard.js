// Charts for the contract dashboard, from the figures the page also shows as tables: the rows on each list's
// current page (a national programme has thousands; a bar for each would be unreadable and slow).
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  const grants = document.getElementById("chart-grants");
  if (grants) {
    new Chart(grants, {
      type: "bar",
      data: { labels: data.grants.labels, datasets: [
        { label: "Received", data: data.grants.received, backgroundColor: "#005eb8" },
        { label: "Target", data: data.grants.target, backgroundColor: "#aeb7bd" },
      ] },
      options: common,
    });
  }
  const spend = document.getElementById("chart-spend");
  if (spend) {
    new Chart(spend, {
      type: "bar",
      data: { labels: data.spend.labels, datasets: [
        { label: "Grant (£)", data: data.spend.grant, backgroundColor: "#005eb8", stack: "s" },
        { label: "Spot purchases (£)", data: data.spend.spot, backgroundColor: "#ffb81c", stack: "s" },
      ] },
      options: common,
    });
  }
})();
