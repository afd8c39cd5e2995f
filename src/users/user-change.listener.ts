/** Told after a user changed and the change committed: caches and subscribers hang off this. */
export interface UserChangeListener {
  userChanged(userId: string): Promise<void>;
}

