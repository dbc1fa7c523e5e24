import type { ActionPayload, AuthResponse, Direction } from '@tilemud/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, useConnection } from '../hooks/useConnection';
import { useKeyboard } from '../hooks/useKeyboard';
import { useMediaQuery } from '../hooks/useMediaQuery';
import { useWalker } from '../hooks/useWalker';
import { actionPending, charactersInReach, itemsInReach, owedKinds, pendingChat, selfCharacter, visibleCharacters } from '../store/selectors';
import { DegradedBanners, Notices } from './Banners';
import { GuestUpgrade } from './GuestUpgrade';
import { ChatPanel } from './ChatPanel';
import { Diagnostics } from './Diagnostics';
import { DPad } from './DPad';
import { InventoryPanel } from './InventoryPanel';
import { BumpText, CapacityBanner, UnstableBanner } from './LinkBanners';
import { MapCanvas } from './MapCanvas';
import { Minimap } from './Minimap';
import { OnlineList } from './OnlineList';
import { SessionEnded, UpdateRequired } from './Screens';
import { SidePanels, type PanelId } from './SidePanels';
import { StatusBar } from './StatusBar';
import { useUnread } from './unread';

/** Below this width the panels fold into tabs under the map. */
const NARROW = '(max-width: 760px)';

/** The game screen: map, panels, the connection's status, and the blocking screens. */
export function Game({ auth, onSignOut }: { auth: AuthResponse; onSignOut: () => void }) {
  const { view, connection } = useConnection(auth.accessToken);
  const [diagnostics, setDiagnostics] = useState(false);
  const narrow = useMediaQuery(NARROW);
  const touch = useMediaQuery('(pointer: coarse)');
  const { status, game, boot } = view;
  const live = status.kind === 'live';

  const noWay = useCallback(() => connection?.dispatch({ type: 'notice', kind: 'info', text: 'There is no way there from here.' }), [connection]);
  const { walker, target, walkTo } = useWalker(connection, noWay);
  const chatInput = useRef<HTMLInputElement>(null);
  useKeyboard({
    onMoveDown: (d) => walker?.hold(d),
    onMoveUp: (d) => walker?.release(d),
    onDiagnostics: () => setDiagnostics((x) => !x),
    onEnter: () => chatInput.current?.focus(),
  });
  // A refused move counts against the walk that made it (a walk that keeps bumping gives up).
  const bumpId = game?.bump?.id;
  useEffect(() => {
    if (bumpId !== undefined) walker?.refused();
  }, [bumpId, walker]);
  const step = useCallback((d: Direction) => walker?.press(d), [walker]);
  const say = useCallback((text: string) => connection?.send({ type: 'intent.chat', payload: { text, channel: 'world' } }) ?? false, [connection]);
  const act = useCallback((payload: ActionPayload) => connection?.send({ type: 'intent.action', payload }), [connection]);
  const dismiss = useCallback((id: number) => connection?.dispatch({ type: 'notice.dismiss', id }), [connection]);
  const signOut = useCallback(() => {
    void api.logout(auth.accessToken).catch(() => undefined);
    onSignOut();
  }, [auth.accessToken, onSignOut]);
  const unread = useUnread(game?.chat ?? [], narrow);

  if (status.kind === 'update_required') return <UpdateRequired status={status} />;
  if (status.kind === 'ended') return <SessionEnded status={status} onPlayAgain={() => connection?.reconnectNow()} onSignOut={signOut} />;

  const self = game ? selfCharacter(game) : undefined;
  const owed = game ? owedKinds(game) : [];
  const characters = game ? visibleCharacters(game) : [];
  const panels = game
    ? [
        {
          id: 'chat' as PanelId,
          label: 'Chat',
          badge: unread.count ? `${unread.count} new` : undefined,
          content: <ChatPanel chat={game.chat} pending={pendingChat(game)} selfId={game.selfId} onSend={say} inputRef={chatInput} />,
        },
        {
          id: 'inventory' as PanelId,
          label: 'Items',
          content: <InventoryPanel self={self} reachableItems={itemsInReach(game)} neighbours={charactersInReach(game)} enabled={live && !actionPending(game)} onAction={act} />,
        },
        {
          id: 'online' as PanelId,
          label: 'Online',
          badge: String(characters.length),
          content: <OnlineList characters={characters} selfId={game.selfId} viewRadius={game.session?.aoiRadius ?? 0} />,
        },
      ]
    : [];
  return (
    <div className={`game${narrow ? ' narrow' : ''}`} data-seq={game?.seq ?? ''} data-in-flight={game?.pending.length ?? 0}>
      <header className="topbar">
        <h1 className="logo small">TileMUD</h1>
        <span className="world">{game?.map?.name ?? boot?.world.name ?? ''}</span>
        <StatusBar
          status={status}
          link={view.link}
          owed={owed}
          rttMs={view.diag.rttMs}
          polledAt={view.diag.polledAt}
          onReconnect={() => connection?.reconnectNow()}
          onRefresh={() => connection?.refresh()}
        />
        <span className="player" data-testid="player-name">
          {self?.name ?? boot?.character.name ?? auth.player.username}
        </span>
        <GuestUpgrade api={api} token={auth.accessToken} username={auth.player.username} />
        <button onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <CapacityBanner status={status} />
      {live ? <UnstableBanner link={view.link} owed={owed} /> : null}
      {game ? <DegradedBanners degraded={game.degraded} /> : null}
      <main className="layout">
        <div className="stage">
          {game?.map ? (
            <MapCanvas game={game} live={live} target={target} onTapTile={walkTo} onSwipe={step} />
          ) : (
            <div className="map loading">{status.kind === 'reconnecting' && status.capacity ? 'The server is full; waiting for a place…' : 'Entering the world…'}</div>
          )}
          {game?.map ? <Minimap game={game} scale={narrow ? 2 : 3} onTapTile={walkTo} /> : null}
          {game?.map && (touch || narrow) ? <DPad disabled={!live} onDown={(d) => walker?.hold(d)} onUp={(d) => walker?.release(d)} /> : null}
          <BumpText bump={game?.bump ?? null} />
          <p className="hint keys">
            {touch ? 'Tap a tile to walk there, swipe or use the pad to step' : 'Arrows or WASD move (hold to walk) · click a tile to walk there · Enter to chat · F3 diagnostics'}
          </p>
          {diagnostics ? <Diagnostics view={view} api={api} /> : null}
          {game ? <Notices notices={game.notices} onDismiss={dismiss} /> : null}
        </div>
        {game ? <SidePanels panels={panels} tabbed={narrow} onShow={unread.onShow} /> : null}
      </main>
    </div>
  );
}
