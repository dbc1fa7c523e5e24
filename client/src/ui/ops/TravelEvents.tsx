import type { WorldEventsPage } from '@tilemud/contracts';
import { describeEvent } from './travel-format';

/** The logged events around the selected seq, the selected one marked; choosing one moves the slider there. */
export function TravelEvents({ page, seq, names, onPick }: { page: WorldEventsPage; seq: number; names: ReadonlyMap<string, string>; onPick: (seq: number) => void }) {
  return (
    <ol className="travel-events" data-testid="travel-events" aria-label={`Events around seq ${seq}`}>
      {page.events.map((e) => {
        const selected = e.seq === seq;
        return (
          <li key={e.seq} data-seq={e.seq} className={selected ? 'selected' : undefined} aria-current={selected ? 'true' : undefined}>
            <button type="button" className="linklike" onClick={() => onPick(e.seq)} title={new Date(e.recordedAt).toISOString()}>
              <span className="seq">#{e.seq}</span> <code>{e.type}</code> {describeEvent(e, names)}
            </button>
          </li>
        );
      })}
    </ol>
  );
}
