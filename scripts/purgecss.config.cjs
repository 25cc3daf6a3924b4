// The reader stylesheet: the rules of Bootstrap that the site's templates, scripts and Python
// code can use (`make css` runs PurgeCSS with this file; see the README, "Stylesheet").
// CRISPY_TEMPLATES is the installed crispy_bootstrap5 templates folder (the comment and
// newsletter forms are rendered with it); the Makefile finds it with the project's Python.
const crispy = process.env.CRISPY_TEMPLATES;
if (!crispy) {
  throw new Error("Set CRISPY_TEMPLATES to crispy_bootstrap5's templates folder (make css does).");
}

module.exports = {
  css: ["static/vendor/bootstrap/bootstrap.min.css"],
  content: [
    "templates/**/*.html",
    "*/templates/**/*.html",
    "static/js/**/*.js",
    "static/articles/**/*.js",
    "*/static/**/*.js",
    // Python that writes class names into reader HTML (the body renderer, template tags, forms).
    "articles/**/*.py",
    "comments/**/*.py",
    "magazine/**/*.py",
    "newsletter/**/*.py",
    `${crispy}/bootstrap5/**/*.html`,
  ],
  skippedContentGlobs: ["**/tests/**", "**/migrations/**"],
  safelist: {
    // Classes and attributes Bootstrap's own scripts (collapse, dropdown) and site scripts set
    // at run time, and the states forms get from crispy or from the browser.
    standard: [
      "show", "showing", "hiding", "collapsing", "collapse", "collapse-horizontal", "active", "disabled",
      "fade", "is-invalid", "is-valid", "was-validated", "invalid-feedback", "valid-feedback",
      "dropup", "dropend", "dropstart", "dropup-center", "dropdown-center", "dropdown-menu-end",
      "dropdown-menu-start",
      // Elements an article body may contain (Markdown rendered and sanitised on save).
      "h1", "h2", "h3", "h4", "h5", "h6", "p", "blockquote", "pre", "code", "kbd", "samp", "hr",
      "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption",
      "img", "svg", "abbr", "sub", "sup", "mark", "small", "dl", "dt", "dd", "ol", "ul", "li",
      "strong", "b", "em", "a", "iframe", "details", "summary",
    ],
    greedy: [/data-bs-popper/],
  },
};
