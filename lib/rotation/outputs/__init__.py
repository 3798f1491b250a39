"""What a run writes and shows: results records, scorecard, figures, report, normalised notebooks."""
