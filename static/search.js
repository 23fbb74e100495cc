// The search page: Pagefind's UI over the index in ../pagefind/, started with the
// words from ?q= (the search field in every page header submits there).
window.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("sok");
  // Pagefind stores root-relative result URLs ("/moten/…"); the site may live under a
  // sub-path, which is where this page's "../" points.
  const siteRoot = new URL(element.dataset.siteRoot, location.href).pathname;
  const ui = new PagefindUI({
    element: "#sok",
    baseUrl: siteRoot,
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    autofocus: false,
    translations: {search_label: "Sök i protokollen"},
  });
  const query = new URLSearchParams(location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
});
