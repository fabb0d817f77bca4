import { useParams } from 'react-router-dom';

export default function Viewer() {
  const { uid } = useParams();
  return <div className="center muted">Study {uid}</div>;
}
