package org.vil4j.heads;

/** Pools the last token, [B, D]. */
public final class LastTokenHead extends SingleTokenHead {
    @Override
    public String name() {
        return "last";
    }

    @Override
    public String description() {
        return "the last token, [B, D]";
    }

    @Override
    int token(int s, int patches) {
        return s - 1;
    }
}
