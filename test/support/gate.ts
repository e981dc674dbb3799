/** The number N of a loop's cycle `<loop id>-c<N>`. */
export const cycleNumber = (cycleId: string) => Number(/-c(\d+)$/.exec(cycleId)?.[1]);

/** A gate per cycle number that each test opens by hand: the activities that wait on it hold their cycle in that phase. */
export class Gate {
  private opened = new Set<number>();
  private all = false;
  private waiters: (() => void)[] = [];
  open(...numbers: number[]): void {
    for (const n of numbers) this.opened.add(n);
    for (const wake of this.waiters.splice(0)) wake();
  }
  /** Lets every cycle through, from now on: a test that failed half-way leaves no activity waiting. */
  openAll(): void {
    this.all = true;
    this.open();
  }
  async pass(n: number): Promise<void> {
    while (!this.all && !this.opened.has(n)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
