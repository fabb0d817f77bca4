// Viewer scenarios (filled in with the study viewer).
export function viewerScenarios() {
  return [];
}
