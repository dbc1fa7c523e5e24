/** @jest-environment jsdom */
import { fireEvent, render, screen } from '@testing-library/react';
import { SidePanels, type PanelDef } from './SidePanels';

const panels: PanelDef[] = [
  { id: 'chat', label: 'Chat', badge: '2 new', content: <p>chat here</p> },
  { id: 'inventory', label: 'Items', content: <p>items here</p> },
  { id: 'online', label: 'Online', content: <p data-testid="who">who</p> },
];

describe('SidePanels', () => {
  it('shows every panel side by side on a wide screen', () => {
    render(<SidePanels panels={panels} tabbed={false} />);
    expect(screen.queryByRole('tablist')).toBeNull();
    expect(screen.getByText('items here')).toBeTruthy();
  });

  it('folds into tabs on a small screen, the others kept mounted but hidden', () => {
    const shown: string[] = [];
    render(<SidePanels panels={panels} tabbed onShow={(id) => shown.push(id)} />);
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((t) => t.textContent)).toEqual(['Chat2 new', 'Items', 'Online']);
    expect(screen.getByRole('tabpanel').textContent).toBe('chat here');
    expect(screen.getByTestId('who').closest('[role=tabpanel]')!.hasAttribute('hidden')).toBe(true);
    fireEvent.keyDown(tabs[0]!, { key: 'ArrowLeft' });
    expect(shown).toEqual(['online']);
    expect(screen.getByRole('tabpanel').textContent).toBe('who');
    expect(tabs[2]!.getAttribute('aria-controls')).toBe(screen.getByRole('tabpanel').id);
  });
});
