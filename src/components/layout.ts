/**
 * Label width (Grafana grid units of 8 px) shared by the option rows of the variable and
 * annotation editors, so labels line up and the longest one, "Bind to dashboard time
 * range", stays on one line in Grafana's Inter font (about 190 px of text plus the tooltip icon).
 */
export const OPTION_LABEL_WIDTH = 30;

/** Width (grid units) of the inputs next to those labels. */
export const OPTION_INPUT_WIDTH = 30;
