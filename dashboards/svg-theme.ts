/** Grafana's dark theme, as far as the picture needs it: colours, font, text. */
export const THEME = {
  canvas: '#111217',
  panel: '#181b1f',
  border: 'rgba(204, 204, 220, 0.12)',
  text: '#ccccdc',
  secondaryText: 'rgba(204, 204, 220, 0.65)',
  grid: 'rgba(204, 204, 220, 0.08)',
  input: '#111217',
  annotation: 'rgba(0, 211, 255, 0.7)',
  font: "Inter, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif",
} as const;

/** Grafana's named colours (dark theme), for `fixedColor` overrides and threshold steps. */
const NAMED: Record<string, string> = {
  green: '#73BF69',
  red: '#F2495C',
  yellow: '#FADE2A',
  orange: '#FF9830',
  blue: '#5794F2',
  purple: '#B877D9',
  text: '#CCCCDC',
  transparent: 'transparent',
};

/** `palette-classic`: series take these in order. */
const CLASSIC = [
  '#7EB26D',
  '#EAB839',
  '#6ED0E0',
  '#EF843C',
  '#E24D42',
  '#1F78C1',
  '#BA43A9',
  '#705DA0',
  '#508642',
  '#CCA300',
  '#447EBC',
  '#C15C17',
];

export const namedColor = (name: string): string => NAMED[name] ?? name;
export const paletteColor = (index: number): string => CLASSIC[index % CLASSIC.length];

export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * About how wide `text` is at `size` px in a sans-serif font: close enough
 * to lay out legends and axes without measuring (no browser here).
 */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const char of text) {
    if ("ilIj.,:;|!'` ".includes(char)) em += 0.3;
    else if ('mwMW%@'.includes(char)) em += 0.9;
    else if (char >= 'A' && char <= 'Z') em += 0.68;
    else em += 0.56;
  }
  return em * size;
}

/** Tick labels, legends: Grafana's 12 px. */
export const FONT = 12;

export function text(
  x: number,
  y: number,
  content: string,
  options: {
    size?: number;
    weight?: number;
    anchor?: string;
    secondary?: boolean;
    color?: string;
  } = {},
): string {
  const { size = FONT, weight, anchor, secondary, color } = options;
  const fill = color ?? (secondary ? THEME.secondaryText : THEME.text);
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}"${weight ? ` font-weight="${weight}"` : ''}${anchor ? ` text-anchor="${anchor}"` : ''} fill="${fill}">${escapeXml(content)}</text>`;
}
