package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"gorm.io/gorm"
)

// hashToken is what share_links keeps of a link's token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateShareLink makes token a link to one of the user's jobs until
// expiresAt. Only the token's hash is stored. The job's expired links go
// at the same time.
func (s *Store) CreateShareLink(ctx context.Context, userID, jobID, token string, expiresAt time.Time) error {
	if !isUUID(jobID) {
		return notFound("Job")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		at := now()
		res := tx.Exec(`INSERT INTO share_links (token_hash, job_id, expires_at, created_at)
			SELECT ?, id, ?, ? FROM jobs WHERE id = ? AND user_id = ?`,
			hashToken(token), expiresAt.UTC(), at, jobID, userID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("Job")
		}
		return tx.Exec("DELETE FROM share_links WHERE job_id = ? AND expires_at <= ?", jobID, at).Error
	})
	return translate(err, "Job")
}

// RevokeShareLinks ends every link to one of the user's jobs, at once.
func (s *Store) RevokeShareLinks(ctx context.Context, userID, jobID string) error {
	if !isUUID(jobID) {
		return notFound("Job")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var owned int64
		if err := tx.Raw("SELECT count(*) FROM jobs WHERE id = ? AND user_id = ?", jobID, userID).Scan(&owned).Error; err != nil {
			return err
		}
		if owned == 0 {
			return notFound("Job")
		}
		return tx.Exec("DELETE FROM share_links WHERE job_id = ?", jobID).Error
	})
	return translate(err, "Job")
}

// SharedJob is the job a share link's token leads to, and when the link
// expires. An unknown, revoked or expired token is ENOTFOUND, all alike.
func (s *Store) SharedJob(ctx context.Context, token string) (Job, time.Time, error) {
	db := s.db.WithContext(ctx)
	var links []struct {
		JobID     string
		ExpiresAt time.Time
	}
	// One lookup by the primary key.
	if err := db.Raw("SELECT job_id, expires_at FROM share_links WHERE token_hash = ? AND expires_at > ?",
		hashToken(token), now()).Scan(&links).Error; err != nil {
		return Job{}, time.Time{}, translate(err, "Shared report")
	}
	if len(links) == 0 {
		return Job{}, time.Time{}, notFound("Shared report")
	}
	j, err := servedJob(db, "id = ?", links[0].JobID)
	return j, links[0].ExpiresAt, err
}
