//! Real-name verification (R2): name, ID number and phone against the registry, then a one-time
//! code through the identity-proofing port.

use super::*;

/// `429`: no code goes to this phone now; the message says when one may.
fn code_throttled(t: rules::CodeThrottle, now: i64) -> ApiError {
    use axum::http::StatusCode;
    match t {
        rules::CodeThrottle::CoolDown { retry_at } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "authority.code_too_soon",
            format!(
                "验证码刚刚发送过，请{}秒后再获取。",
                (retry_at - now).max(1)
            ),
        ),
        rules::CodeThrottle::DailyCap { cap, retry_at } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "authority.code_daily_limit",
            format!(
                "该手机号24小时内已获取{cap}次验证码，已达上限，请于{}后再试。",
                yizhao_domain::time::format_beijing(retry_at)
            ),
        ),
    }
}

impl Authority {
    /// R2, first half: name, ID number and phone must match a registered person; then a code
    /// goes to that phone.
    pub async fn realname_start(
        &self,
        req: &api::RealNameRequest,
    ) -> Result<api::RealNameStarted, ApiError> {
        let (name, id, phone) = parse_person(&api::PersonInput {
            name: req.name.clone(),
            id_number: req.id_number.clone(),
            phone: req.phone.clone(),
        })?;
        let mut tx = self.db.begin().await?;
        let as_lr = tx
            .enterprises_of_legal_rep(id.as_str())
            .await?
            .into_iter()
            .any(|e| e.lr_name == name && e.lr_phone == phone);
        let as_grantee = tx
            .live_grants_of_person(id.as_str())
            .await?
            .into_iter()
            .any(|g| g.name == name && g.phone == phone);
        if !as_lr && !as_grantee {
            return Err(AuthorityError::RealNameMismatch.into());
        }
        // The throttle counts in the database, under the phone's lock: every replica sees the
        // same count, and racing requests take turns.
        let now = self.now();
        tx.lock_phone(&phone).await?;
        let (count, first, last) = tx.codes_sent_since(&phone, now - 86_400).await?;
        let sent = rules::CodesSent { count, first, last };
        if let Err(t) = rules::check_code_throttle(
            sent,
            now,
            self.config.code_cooldown,
            self.config.codes_per_day,
        ) {
            return Err(code_throttled(t, now));
        }
        let session = random_hex(self.rng.as_ref(), 16);
        let mut b = [0u8; 4];
        self.rng.fill(&mut b);
        let code = format!("{:06}", u32::from_le_bytes(b) % 1_000_000);
        tx.insert_realname(&RealNameRow {
            id: session.clone(),
            name,
            id_number: id.as_str().into(),
            phone: phone.clone(),
            code_hash: hash_hex(&[&session, &code]),
            attempts: 0,
            created_at: now,
            expires_at: now + self.config.code_ttl,
            token_hash: None,
            token_expires_at: None,
        })
        .await?;
        let text = format!(
            "【电子营业执照】您的验证码为{code}，{}分钟内有效。请勿告诉他人。",
            self.config.code_ttl / 60
        );
        self.proofing
            .deliver(&mut tx, &phone, &text, &code, now)
            .await?;
        tx.commit().await?;
        Ok(api::RealNameStarted {
            session,
            phone_masked: mask_phone(&phone),
            expires_at: now + self.config.code_ttl,
        })
    }

    /// R2, second half: the code completes verification and yields a token.
    pub async fn realname_confirm(
        &self,
        req: &api::RealNameConfirm,
    ) -> Result<api::RealNameVerified, ApiError> {
        let mut tx = self.db.begin().await?;
        let Some(s) = tx.realname(&req.session).await? else {
            return Err(AuthorityError::RealNameExpired.into());
        };
        let now = self.now();
        if now >= s.expires_at
            || s.attempts >= self.config.max_code_attempts
            || s.token_hash.is_some()
        {
            return Err(AuthorityError::CodeInvalid.into());
        }
        if hash_hex(&[&s.id, req.code.trim()]) != s.code_hash {
            tx.realname_failed_attempt(&s.id).await?;
            tx.commit().await?;
            return Err(AuthorityError::CodeInvalid.into());
        }
        let token = random_hex(self.rng.as_ref(), 32);
        let expires_at = now + self.config.token_ttl;
        if !tx
            .realname_verified(&s.id, &hash_hex(&[&token]), expires_at)
            .await?
        {
            return Err(AuthorityError::CodeInvalid.into());
        }
        self.audit(
            &mut tx,
            &format!("realname:{}", s.id),
            "realname.verified",
            "",
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(api::RealNameVerified {
            token,
            expires_at,
            name: s.name,
        })
    }

    pub(super) async fn person(
        &self,
        tx: &mut Transaction,
        token: &str,
    ) -> Result<RealNameRow, ApiError> {
        match tx.realname_by_token(&hash_hex(&[token])).await? {
            Some(s) if s.token_expires_at.is_some_and(|t| t > self.now()) => Ok(s),
            _ => Err(AuthorityError::RealNameExpired.into()),
        }
    }
}
