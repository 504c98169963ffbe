/** Which rows of a long list to render: only those in view, plus some either side. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): { start: number; end: number; padTop: number; padBottom: number } {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(Math.max(viewportHeight, rowHeight) / rowHeight) + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}

/** Endless paging: ask for the next page when the viewport is this close to the end. */
export function nearEnd(scrollTop: number, viewportHeight: number, scrollHeight: number, threshold = 400): boolean {
  return scrollTop + viewportHeight >= scrollHeight - threshold;
}
