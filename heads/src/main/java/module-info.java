/** Heads as plugins: the reference's poolings of the final tokens, and the single-token and mean poolings. */
module org.vil4j.heads {
    requires org.vil4j.api;

    exports org.vil4j.heads;

    provides org.vil4j.api.Head with
            org.vil4j.heads.BilateralFlattenHead,
            org.vil4j.heads.BilateralAvgHead,
            org.vil4j.heads.ToImageHead,
            org.vil4j.heads.TokensHead,
            org.vil4j.heads.ClassTokenHead,
            org.vil4j.heads.FirstTokenHead,
            org.vil4j.heads.LastTokenHead,
            org.vil4j.heads.MiddleTokenHead,
            org.vil4j.heads.MeanHead;
}
