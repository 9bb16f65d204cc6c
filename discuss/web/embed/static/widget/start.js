/* Part 4 of 4: start every comment section on the page. */
const start = () => {
  for (const host of document.querySelectorAll("#discuss, [data-discuss]")) {
    if (!host.discuss && host.dataset.site) host.discuss = new Widget(host);
  }
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
