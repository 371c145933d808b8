package org.vil4j.backend.java;

/**
 * The float array behind one or more tensor handles (a reshape shares it) and its lifetime: persistent for
 * parameters, or a workspace allocation that {@link Workspace#release(long)} or {@link Workspace#free} ends.
 */
final class Storage {
    final float[] data;
    final boolean persistent;
    /** The mark this storage was released back to, or -1 while it is alive. */
    private long releasedTo = -1;
    /** Whether it was freed on its own ({@link Workspace#free}) rather than by a release. */
    private boolean freed;
    /** Its position in the workspace's allocation list (stable while it lives), -1 for persistent storage. */
    int index = -1;

    Storage(float[] data, boolean persistent) {
        this.data = data;
        this.persistent = persistent;
    }

    boolean released() {
        return releasedTo >= 0;
    }

    long releasedTo() {
        return releasedTo;
    }

    void release(long mark) {
        releasedTo = mark;
    }

    boolean freed() {
        return freed;
    }

    void free() {
        freed = true;
        releasedTo = index;
    }
}
