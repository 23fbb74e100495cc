// Eleventy adapter for the site-gen benchmark (benchmarks/run.py lays out src/).
// Meetings: src/meetings/*.md, each with its attendees, projects and group as {slug, name}.
// People, projects and groups: stub files in src/<kind>/ that are read but not written
// (permalink: false); a collection per kind pairs each stub with its meetings, and a
// paginated template writes one page per person, project and group from it.
// Everything else is Eleventy's default (Markdown through markdown-it, pre-processed with Liquid).

const byDate = (a, b) => a.date - b.date || a.inputPath.localeCompare(b.inputPath);

function pagesOf(kind, field) {
  return (api) => {
    const meetings = new Map();
    for (const meeting of api.getFilteredByGlob("src/meetings/*.md").sort(byDate)) {
      for (const { slug } of [].concat(meeting.data[field])) {
        if (!meetings.has(slug)) meetings.set(slug, []);
        meetings.get(slug).push(meeting);
      }
    }
    return api.getFilteredByGlob(`src/${kind}/*.md`)
      .sort((a, b) => a.data.name.localeCompare(b.data.name, "sv"))
      .map((stub) => ({ stub, meetings: meetings.get(stub.data.slug) ?? [] }));
  };
}

export default function (config) {
  config.addFilter("isodate", (date) => date.toISOString().slice(0, 10));
  config.addCollection("meetings", (api) => api.getFilteredByGlob("src/meetings/*.md").sort(byDate));
  config.addCollection("peoplePages", pagesOf("people", "attendees"));
  config.addCollection("projectPages", pagesOf("projects", "projects"));
  config.addCollection("groupPages", pagesOf("groups", "group"));
  return { dir: { input: "src", output: "_site", includes: "_includes" } };
}
