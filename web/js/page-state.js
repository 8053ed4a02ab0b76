// Which page is on screen: a page's late answers (a slow listing, a metrics poll) must not
// draw over the page the user has since moved to.
let generation = 0;

/** A new page is being shown; returns its generation. */
export function nextPage() {
  generation += 1;
  return generation;
}

/** Whether work started for page `gen` still belongs to the page on screen. */
export function current(gen) {
  return gen === generation;
}
