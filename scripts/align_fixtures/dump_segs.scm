;; Festival helper for make_fixtures.sh: writes one line per segment of an
;; utterance: start<TAB>end<TAB>phone<TAB>word<TAB>syllable stress
;; (word and stress are 0 for pauses).
(define (dump-segs utt file)
  (let ((fd (fopen file "w")))
    (mapcar
     (lambda (seg)
       (format fd "%s\t%s\t%s\t%s\t%s\n"
               (item.feat seg "segment_start")
               (item.feat seg "end")
               (item.name seg)
               (item.feat seg "R:SylStructure.parent.parent.name")
               (item.feat seg "R:SylStructure.parent.stress")))
     (utt.relation.items utt 'Segment))
    (fclose fd)))
