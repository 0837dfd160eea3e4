/**
 * The one function of parse-prometheus-text-format 1.1.1 (which ships no types): the exposition
 * text in, prom2json-style metric families out. Tests cast the families to the shape they read.
 */
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
