package org.vil4j.backend.java;

/**
 * The float array behind one or more tensor handles (a reshape shares it) and its lifetime: persistent for
 * parameters, or a workspace allocation that {@link Workspace#release(long)} ends.
 */
final class Storage {
    final float[] data;
    final boolean persistent;
    /** The mark this storage was released back to, or -1 while it is alive. */
    private long releasedTo = -1;

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
}
