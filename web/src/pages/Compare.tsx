import { useParams } from 'react-router-dom';

export default function Compare() {
  const { a, b } = useParams();
  return <div className="center muted">Compare {a} and {b}</div>;
}
