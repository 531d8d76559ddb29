// A table as CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled),
// and as the data: URL a download link carries, so export needs no request to the app.
export type CsvCell = string | number | null;

const field = (cell: CsvCell) => {
  const text = cell === null ? "" : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv(headings: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [headings, ...rows].map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

export function csvDataUrl(csv: string): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`;
}
