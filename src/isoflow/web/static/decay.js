// Decay calculator: posts to /api/v1/decay and draws the chain with Plotly.
(function () {
  const UNITS = { Bq: 1, MBq: 1e6, GBq: 1e9, mCi: 3.7e7, Ci: 3.7e10 };
  const form = document.getElementById("decay-form");
  const errorBox = document.getElementById("error");

  function parseInventory(text) {
    const inv = {};
    text.split(/\n|;/).map((l) => l.trim()).filter(Boolean).forEach((line, i) => {
      const parts = line.split("=");
      if (parts.length !== 2) throw new Error(`line ${i + 1}: write "nuclide = activity", e.g. "Mo-99 = 10 GBq"`);
      inv[parts[0].trim()] = parts[1].trim();
    });
    return inv;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  async function calculate(event) {
    if (event) event.preventDefault();
    showError("");
    let inventory;
    try { inventory = parseInventory(document.getElementById("inventory").value); }
    catch (e) { showError(e.message); return; }
    const span = document.getElementById("span").value.trim();
    const n = Math.max(2, Math.min(2000, parseInt(document.getElementById("points").value, 10) || 145));
    const unit = document.getElementById("unit").value;
    // ask the server for the span in seconds first (it owns the unit rules)
    const probe = await fetch("/api/v1/decay", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ inventory, times: [span] }),
    });
    const probed = await probe.json();
    if (!probe.ok) { showError(probed.message || "invalid input"); return; }
    const total = probed.t_s[0];
    const times = Array.from({ length: n }, (_, k) => (total * k) / (n - 1));
    const resp = await fetch("/api/v1/decay", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ inventory, times }),
    });
    const data = await resp.json();
    if (!resp.ok) { showError(data.message || "invalid input"); return; }
    const hours = data.t_s.map((t) => t / 3600);
    const f = UNITS[unit];
    const traces = data.nuclides.map((name, j) => ({
      x: hours, y: data.activities_bq.map((row) => row[j] / f), name, mode: "lines",
    })).filter((tr) => tr.y.some((v) => v > 0));
    const logy = document.getElementById("logy").checked;
    Plotly.newPlot("chart", traces, {
      margin: { t: 20, r: 20 }, xaxis: { title: { text: "hours after reference" } },
      yaxis: { title: { text: `activity [${unit}]` }, type: logy ? "log" : "linear" },
      legend: { orientation: "h" },
    }, { responsive: true, displaylogo: false });
    const body = document.querySelector("#table tbody");
    body.innerHTML = "";
    data.nuclides.forEach((name, j) => {
      const first = data.activities_bq[0][j] / f, last = data.activities_bq[data.activities_bq.length - 1][j] / f;
      const tr = document.createElement("tr");
      [name, first.toPrecision(5), last.toPrecision(5)].forEach((v) => {
        const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById("table").hidden = false;
  }

  form.addEventListener("submit", calculate);
  calculate();
})();
