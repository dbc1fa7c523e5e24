import type { ActionPayload, AuthResponse, Direction } from '@tilemud/contracts';
import { useCallback, useRef, useState } from 'react';
import { api, useConnection } from '../hooks/useConnection';
import { useKeyboard } from '../hooks/useKeyboard';
import { actionPending, charactersInReach, itemsInReach, pendingChat, selfCharacter, visibleCharacters } from '../store/selectors';
import { DegradedBanners, Notices } from './Banners';
import { GuestUpgrade } from './GuestUpgrade';
import { ChatPanel } from './ChatPanel';
import { Diagnostics } from './Diagnostics';
import { InventoryPanel } from './InventoryPanel';
import { MapCanvas } from './MapCanvas';
import { OnlineList } from './OnlineList';
import { SessionEnded, UpdateRequired } from './Screens';
import { StatusBar } from './StatusBar';

/** The game screen: map, panels, the connection's status, and the blocking screens. */
export function Game({ auth, onSignOut }: { auth: AuthResponse; onSignOut(): void }) {
  const { view, connection } = useConnection(auth.accessToken);
  const [diagnostics, setDiagnostics] = useState(false);
  const { status, game, boot } = view;
  const live = status.kind === 'live';

  const move = useCallback((direction: Direction) => connection?.send({ type: 'intent.move', payload: { direction } }), [connection]);
  const toggle = useCallback(() => setDiagnostics((d) => !d), []);
  const chatInput = useRef<HTMLInputElement>(null);
  const focusChat = useCallback(() => chatInput.current?.focus(), []);
  useKeyboard(move, toggle, focusChat);
  const say = useCallback((text: string) => connection?.send({ type: 'intent.chat', payload: { text, channel: 'world' } }) ?? false, [connection]);
  const act = useCallback((payload: ActionPayload) => connection?.send({ type: 'intent.action', payload }), [connection]);
  const dismiss = useCallback((id: number) => connection?.dispatch({ type: 'notice.dismiss', id }), [connection]);
  const signOut = useCallback(() => {
    void api.logout(auth.accessToken).catch(() => undefined);
    onSignOut();
  }, [auth.accessToken, onSignOut]);

  if (status.kind === 'update_required') return <UpdateRequired status={status} />;
  if (status.kind === 'ended') return <SessionEnded status={status} onPlayAgain={() => connection?.reconnectNow()} onSignOut={signOut} />;

  const self = game ? selfCharacter(game) : undefined;
  return (
    <div className="game" data-seq={game?.seq ?? ''} data-in-flight={game?.pending.length ?? 0}>
      <header className="topbar">
        <span className="logo small">TileMUD</span>
        <span className="world">{game?.map?.name ?? boot?.world.name ?? ''}</span>
        <StatusBar status={status} rttMs={view.diag.rttMs} polledAt={view.diag.polledAt} onReconnect={() => connection?.reconnectNow()} onRefresh={() => connection?.refresh()} />
        <span className="player" data-testid="player-name">
          {self?.name ?? boot?.character.name ?? auth.player.username}
        </span>
        <GuestUpgrade api={api} token={auth.accessToken} username={auth.player.username} />
        <button onClick={signOut}>Sign out</button>
      </header>
      {game ? <DegradedBanners degraded={game.degraded} /> : null}
      <main className="layout">
        <div className="stage">
          {game?.map ? <MapCanvas game={game} live={live} /> : <div className="map loading">Entering the world…</div>}
          <p className="hint keys">Move with the arrow keys or WASD · Enter to chat · F3 diagnostics</p>
          {diagnostics ? <Diagnostics view={view} api={api} /> : null}
          {game ? <Notices notices={game.notices} onDismiss={dismiss} /> : null}
        </div>
        {game ? (
          <div className="side">
            <OnlineList characters={visibleCharacters(game)} selfId={game.selfId} />
            <InventoryPanel self={self} reachableItems={itemsInReach(game)} neighbours={charactersInReach(game)} enabled={live && !actionPending(game)} onAction={act} />
            <ChatPanel chat={game.chat} pending={pendingChat(game)} selfId={game.selfId} onSend={say} inputRef={chatInput} />
          </div>
        ) : null}
      </main>
    </div>
  );
}
