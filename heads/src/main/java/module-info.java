/** Heads as plugins: the reference's poolings of the final tokens. */
module org.vil4j.heads {
    requires org.vil4j.api;

    exports org.vil4j.heads;

    provides org.vil4j.api.Head with
            org.vil4j.heads.BilateralFlattenHead,
            org.vil4j.heads.BilateralAvgHead,
            org.vil4j.heads.ToImageHead,
            org.vil4j.heads.TokensHead;
}
