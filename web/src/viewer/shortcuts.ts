// Keyboard shortcuts of the viewer, listed in its help panel.
export const SHORTCUTS: [string, string][] = [
  ['↑ / ↓, PgUp / PgDn, mouse wheel', 'previous / next image (PgUp/PgDn: 10 at a time)'],
  ['Home / End', 'first / last image'],
  ['W', 'window/level by dragging (default tool)'],
  ['P / Z', 'pan / zoom by dragging (also middle / right button)'],
  ['L / A', 'length / angle measurement'],
  ['O / E', 'rectangle / ellipse region (mean and SD)'],
  ['1 2 3 4', 'CT presets: soft tissue, lung, bone, brain'],
  ['I', 'invert'],
  ['H / V', 'flip horizontally / vertically'],
  ['[ / ]', 'rotate 90° left / right'],
  ['R', 'reset the view'],
  ['Space', 'play / pause (cine)'],
  ['T', 'DICOM tags'],
  ['M', 'MPR: axial, sagittal and coronal planes (CT and MR slices)'],
  ['F', 'full screen'],
  ['?', 'this help'],
];
